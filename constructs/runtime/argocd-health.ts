// Argo CD health checks (Lua, run by Argo CD's gopher-lua, Lua 5.1 semantics) for the Gateway API
// kinds Portico serves that Argo CD does not check itself. Argo CD ships checks for Gateway,
// GatewayClass, HTTPRoute, GRPCRoute and BackendTLSPolicy (resource_customizations/
// gateway.networking.k8s.io); TLSRoute, TCPRoute, UDPRoute and ListenerSet have none, and
// ReferenceGrant has no status. The scripts are written for Portico's statuses: every condition
// carries observedGeneration, and a status not yet written for the current generation is
// Progressing, never Healthy. Kept free of `goto` (not in Lua 5.1) so Debian's lua5.1 tests them.

/** The route kinds whose status is `status.parents[]` (one entry per parent and controller). */
const ROUTE_HEALTH = `local hs = {}
local kind = obj.kind or "Route"
local generation = obj.metadata and obj.metadata.generation

-- A parent entry speaks for the current spec only when every condition observed this generation.
local function observed(parent)
  if parent.conditions == nil or #parent.conditions == 0 then return false end
  if generation == nil then return true end
  for _, c in ipairs(parent.conditions) do
    if c.observedGeneration ~= nil and c.observedGeneration ~= generation then return false end
  end
  return true
end

local function parentName(parent)
  local ref = parent.parentRef or {}
  local name = ref.name or ""
  if ref.sectionName ~= nil then name = name .. "/" .. ref.sectionName end
  return name
end

local parents = (obj.status and obj.status.parents) or {}
if #parents == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for " .. kind .. " status"
  return hs
end
for _, parent in ipairs(parents) do
  if not observed(parent) then
    hs.status = "Progressing"
    hs.message = "Parent " .. parentName(parent) .. ": status not yet observed at generation " .. tostring(generation)
    return hs
  end
end
for _, parent in ipairs(parents) do
  for _, c in ipairs(parent.conditions) do
    if (c.type == "Accepted" or c.type == "ResolvedRefs") and c.status == "False" then
      hs.status = "Degraded"
      hs.message = "Parent " .. parentName(parent) .. ": " .. (c.message ~= nil and c.message ~= "" and c.message or (c.type .. " is False: " .. (c.reason or "")))
      return hs
    end
  end
end
hs.status = "Healthy"
hs.message = kind .. " is accepted by every parent"
return hs
`;

/** ListenerSet: its own Accepted/Programmed conditions and one entry per listener. */
const LISTENER_SET_HEALTH = `local hs = {}
local generation = obj.metadata and obj.metadata.generation
local status = obj.status or {}
local conditions = status.conditions or {}

local function stale(list)
  if generation == nil then return false end
  for _, c in ipairs(list) do
    if c.observedGeneration ~= nil and c.observedGeneration ~= generation then return true end
  end
  return false
end

local function because(c)
  if c.message ~= nil and c.message ~= "" then return c.message end
  return c.type .. " is " .. c.status .. ": " .. (c.reason or "")
end

if #conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for ListenerSet status"
  return hs
end
if stale(conditions) then
  hs.status = "Progressing"
  hs.message = "Status not yet observed at generation " .. tostring(generation)
  return hs
end
for _, c in ipairs(conditions) do
  if (c.type == "Accepted" or c.type == "Programmed") and c.status == "False" then
    hs.status = "Degraded"
    hs.message = because(c)
    return hs
  end
end
for _, l in ipairs(status.listeners or {}) do
  for _, c in ipairs(l.conditions or {}) do
    local bad = (c.type == "Conflicted" and c.status == "True") or
      ((c.type == "Accepted" or c.type == "ResolvedRefs" or c.type == "Programmed") and c.status == "False")
    if bad then
      hs.status = "Degraded"
      hs.message = "Listener " .. (l.name or "") .. ": " .. because(c)
      return hs
    end
  end
end
hs.status = "Healthy"
hs.message = "ListenerSet is accepted and programmed"
return hs
`;

/** Health check scripts by kind (group gateway.networking.k8s.io). */
export const ARGOCD_HEALTH_CHECKS: Readonly<Record<string, string>> = {
  ListenerSet: LISTENER_SET_HEALTH,
  TCPRoute: ROUTE_HEALTH,
  TLSRoute: ROUTE_HEALTH,
  UDPRoute: ROUTE_HEALTH,
};

/** The argocd-cm `data` keys Argo CD reads custom health checks from, with their scripts. */
export function argoCdHealthData(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kind of Object.keys(ARGOCD_HEALTH_CHECKS).sort()) {
    out[`resource.customizations.health.gateway.networking.k8s.io_${kind}`] = ARGOCD_HEALTH_CHECKS[kind]!;
  }
  return out;
}
