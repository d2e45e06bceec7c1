// Shared given-steps for the construct tests (not a test file itself).
import { App, ApiObjectMetadata, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { validateObject } from '../../gateway/translator/schema/index.ts';
import { formatProblem, Gateway, GatewayClass, ListenerOptions } from '../../constructs/index.ts';

export const GOLDEN_DIR = join(import.meta.dirname, 'golden');

/** A fresh app with one chart in namespace "apps". */
export function given(namespace = 'apps'): { app: App; chart: Chart } {
  const app = new App({ outdir: join(import.meta.dirname, '.never-written') });
  return { app, chart: new Chart(app, 'test', { namespace }) };
}

/** The chart's objects (no validation), optionally of one kind. */
export function objectsOf(chart: Chart, kind?: string): any[] {
  const all = chart.toJson();
  return kind ? all.filter((o: any) => o.kind === kind) : all;
}

/** Asserts the objects pass the CRD schema + CEL rules the API server applies. */
export function assertSchemaValid(objects: unknown[]): void {
  const problems = objects.flatMap((o) => validateObject(o)).filter((p) => p.severity === 'error');
  assert.equal(problems.map((p) => formatProblem(p)), [], 'synthesized objects violate the CRD schema');
}

/** The validation errors app.synthYaml() reports, one per line ([] if it synthesizes). */
export function synthErrors(app: App): string[] {
  try {
    app.synthYaml();
    return [];
  } catch (e) {
    const msg = (e as Error).message;
    if (!msg.startsWith('Validation failed')) throw e;
    return msg.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
  }
}

/** Gateway "edge" (construct id too) of the existing GatewayClass "portico", with `listeners`. */
export function edgeGateway(scope: Construct, metadata: ApiObjectMetadata, listeners: ListenerOptions[]): Gateway {
  return new Gateway(scope, 'edge', { metadata, gatewayClass: GatewayClass.fromGatewayClassName(scope, 'class', 'portico'), listeners });
}
