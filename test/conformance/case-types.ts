// The shape of test/conformance/cases/*.json (FORMAT.md), as far as the runner reads it.

export interface SecretSpec {
  namespace: string;
  name: string;
  type: string; // kubernetes.io/tls | ConfigMap
  keys?: string[];
  hosts?: string[];
  sans?: { dns?: string[]; uri?: string[]; ip?: string[] };
  ca?: boolean;
  signedBy?: string; // "self" | "ns/name" of a CA ConfigMap
  extKeyUsage?: string[];
  suite?: boolean;
}

export interface ParentRefSpec { namespace?: string; name: string; kind?: string; group?: string; sectionName?: string; port?: number }

export interface ConditionSpec {
  kind: string;
  namespace?: string;
  name: string;
  listener?: string;
  parent?: ParentRefSpec;
  ancestor?: ParentRefSpec;
  type?: string;
  status?: string;
  reason?: string;
  attachedRoutes?: number;
  attachedListenerSets?: number;
  listenerCount?: number;
  absent?: boolean;
  latestObservedGeneration?: boolean;
  hasAddress?: boolean;
  strictParentRef?: boolean;
  namespaceRequired?: boolean;
  noAcceptedParents?: boolean;
  zeroRoutes?: boolean;
  generationChanged?: boolean;
  statusAddresses?: string[];
  supportedKinds?: { group?: string; kind: string }[];
}

export interface ExpectJson {
  namespace?: string; service?: string; podPrefix?: string; podBackend?: string; podNonEmpty?: boolean;
  tlsServerName?: string; isTLS?: boolean; negotiatedProtocol?: string;
}

export interface RequestSpec {
  gateway: string;
  protocol?: string;
  request?: {
    host?: string; method?: string; path?: string; headers?: Record<string, string>; body?: string;
    sni?: string; clientCert?: string; unfollowRedirect?: boolean;
    serverCertificate?: { kind: string; namespace: string; name: string; key: string };
  };
  expectedRequest?: { host?: string; method?: string; path?: string; headers?: Record<string, string>; absentHeaders?: string[]; sni?: string };
  backendSetResponseHeaders?: Record<string, string>;
  response?: { statusCodes?: number[]; headers?: Record<string, string>; absentHeaders?: string[]; validHeaderValues?: Record<string, string[]>; ignoreWhitespace?: boolean; grpcCode?: string | number };
  redirectRequest?: { scheme?: string; host?: string; port?: string; path?: string };
  backend?: string;
  namespace?: string;
  mirroredTo?: { name: string; namespace?: string; percent?: number }[];
  grpc?: { service?: string; method?: string; metadata?: Record<string, string> };
  weights?: Record<string, number>;
  /** Request header (set by a backendRef filter) whose single value must prefix the answering pod's name. */
  headerNamesPod?: string;
  expectFailure?: 'non200' | 'error' | 'rejected' | boolean;
  samples?: number;
  tcp?: { welcome?: string; exchange?: { send: string; expect?: string; expectJson?: ExpectJson }[]; connectOnly?: boolean };
  udp?: { send?: string; expect?: string; expectJson?: ExpectJson; dnsQuery?: string | { name: string; type?: string } };
  expectJson?: ExpectJson;
  note?: string;
}

export interface ObjectRef { kind: string; namespace?: string; name: string; apiVersion?: string }

export interface StepSpec {
  note?: string;
  apply?: string[];
  create?: Record<string, unknown>[];
  patch?: (ObjectRef & { mergePatch?: unknown; set?: Record<string, unknown> })[];
  delete?: ObjectRef[];
  setEndpoints?: (ObjectRef & { addressFamily?: string; endpointsOf: ObjectRef })[];
  delaySeconds?: number;
  conditions?: ConditionSpec[];
  requests?: RequestSpec[];
}

export interface CaseSpec {
  name: string;
  description: string;
  /** The upstream Go file defining the test, e.g. conformance/tests/httproute-weight.go. */
  upstream: string;
  features: string[];
  manifests: string[];
  provisional: boolean;
  gateways?: Record<string, { namespace: string; name: string; listener?: string }>;
  conditions: ConditionSpec[];
  requests?: RequestSpec[];
  steps?: StepSpec[];
  harness: 'full' | 'partial' | 'unsupported';
  harnessNote: string;
  secrets?: SecretSpec[];
  skipIfSupported?: string[];
  skipUnlessSupported?: string[];
}
