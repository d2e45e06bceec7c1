// The example GitOps app: `cdk8s synth` (see cdk8s.yaml) writes one file per chart to dist/.
// buildApp() only wires charts, so tests can synthesize it in-process without writing files.
import { App, AppProps } from 'cdk8s';
import { buildPlatform } from './platform/gateway.ts';
import { buildCatalog } from './tenants/catalog.ts';
import { buildData } from './tenants/data.ts';
import { buildPayments } from './tenants/payments.ts';
import { buildShop } from './tenants/shop.ts';

export interface BuildAppOptions extends AppProps {
  /** Print the synth warnings (Secrets assumed to exist in the cluster); tests turn them off. */
  readonly printWarnings?: boolean;
}

export function buildApp(options: BuildAppOptions = {}): App {
  const { printWarnings, ...props } = options;
  const app = new App(props);
  const { gateway, listeners, tenants } = buildPlatform(app, { printWarnings });
  buildShop(app, { tenant: tenants.shop, http: listeners.http, https: listeners.https });
  buildCatalog(app, { tenant: tenants.catalog });
  buildPayments(app, { tenant: tenants.payments, gateway, https: listeners.https });
  buildData(app, { tenant: tenants.data, redis: listeners.redis, tlsPassthrough: listeners.tlsPassthrough });
  return app;
}

if (import.meta.main) buildApp().synth();
