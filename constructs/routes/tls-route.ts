// TLSRoute: routes TLS connections by SNI (Passthrough or Terminate listeners) to backends.
import { Construct } from 'constructs';
import { tlsroutes } from '../imports/index.ts';
import type { ResourceProps } from '../base.ts';
import { L4Rule, L4RouteBase } from './l4-route.ts';
import type { HostnamesOptions, RouteOptions, RulesOptions } from './route-base.ts';

export interface TlsRouteOptions extends ResourceProps, RouteOptions, HostnamesOptions, RulesOptions<L4Rule> {}

export interface TlsRouteProps extends TlsRouteOptions {}

/** Declares a TLSRoute. */
export class TlsRoute extends L4RouteBase {
  public readonly apiObject: tlsroutes.TlsRoute;
  public readonly kind = 'TLSRoute';

  public constructor(scope: Construct, id: string, props: TlsRouteProps = {}) {
    super(scope, id);
    this.apiObject = new tlsroutes.TlsRoute(this, 'Resource', { metadata: props.metadata, spec: this._lazySpec() });
    this._applyProps(props);
  }

  /** Adds an SNI hostname (may start with "*."). */
  public addHostname(hostname: string): void {
    this.addHostnameChecked(hostname);
  }
}
