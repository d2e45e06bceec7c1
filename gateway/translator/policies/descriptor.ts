// What a policy kind tells the generic GEP-713 attachment module (attach.ts): where its objects
// are, which spec fields are its mergeable sections, how one section of one policy is validated
// and compiled to IR, and how a more specific level combines with an inherited one. Everything
// else (targets, inheritance, disable, conflicts, status) is the module's, the same for every kind.
import type { RulePoliciesIR } from '../../ir/index.ts';
import type { KubeObject, PolicyTargetReference, Snapshot } from '../../model/index.ts';
import type { ConditionInput } from '../conditions.ts';
import type { TlsPolicies } from '../backend-tls-policies.ts';
import type { Context } from '../context.ts';

/** Attachment levels, least specific first; a more specific level wins field by field. */
export type PolicyLevel = 'Gateway' | 'Listener' | 'Route' | 'Rule';
export const LEVELS: readonly PolicyLevel[] = ['Gateway', 'Listener', 'Route', 'Rule'];

/** The part of a policy spec the module reads itself. */
export interface AttachableSpec {
  targetRefs?: PolicyTargetReference[];
  /** Section names inherited from a less specific level that are turned off at this one. */
  disable?: string[];
}

export type PolicyObject = KubeObject<AttachableSpec & Record<string, unknown>>;

/** One section of one policy, compiled: its IR, or why it cannot be used. */
export type SectionResult = { ir: unknown } | { problem: ConditionInput & { field: string; fix: string } };

/** What compiling a section may consult: the indexes, and BackendTLSPolicies for backend references. */
export interface CompileEnv {
  ctx: Context;
  tls: TlsPolicies;
}

export interface PolicyDescriptor {
  kind: string;
  group: string;
  /** The policies of this kind in a snapshot (sorted oldest first, then namespace/name). */
  list(snapshot: Snapshot): PolicyObject[];
  /** Where the effective result goes on each rule. */
  irKey: keyof RulePoliciesIR;
  /** Spec fields that are sections: each merges on its own across levels and can be disabled. */
  sections: readonly string[];
  /** Levels a section may be set at (default: every level); elsewhere the target is Invalid. */
  levels?: Partial<Record<string, readonly PolicyLevel[]>>;
  /** Validates and compiles one section of one policy (references resolved in the policy's namespace). */
  compile(env: CompileEnv, policy: PolicyObject, section: string, value: unknown, field: string): SectionResult;
  /** A more specific section over an inherited one; default: the specific one replaces it. */
  merge?(section: string, inherited: unknown, specific: unknown): unknown;
  /**
   * What a rule answers when a section that applies to it is unusable (an invalid policy must not
   * silently leave a route unprotected); undefined = the section is left out.
   */
  failClosed?: { status: number; reason: string };
  /**
   * The Secrets and Services a policy names, for offline checks (synth, `portico validate`) that
   * assume objects living only in the cluster exist (assume-external.ts) with usable content.
   */
  references?(policy: PolicyObject): PolicyReference[];
}

/** One object a policy references, in the policy's namespace. */
export type PolicyReference =
  | { kind: 'Service'; name: string; port: number; field: string }
  /** `content` says what a placeholder must hold to be usable: a JWKS, an htpasswd file, API keys, any text. */
  | { kind: 'Secret'; name: string; key?: string; content: 'jwks' | 'htpasswd' | 'apiKeys' | 'text'; field: string };
