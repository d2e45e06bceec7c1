// TCPRoute: forwards every connection on a TCP listener to weighted backends.
import { Construct } from 'constructs';
import { tcproutes } from '../imports/index.ts';
import type { ResourceProps } from '../base.ts';
import { L4Rule, L4RouteBase } from './l4-route.ts';
import type { RouteOptions, RulesOptions } from './route-base.ts';

export interface TcpRouteOptions extends ResourceProps, RouteOptions, RulesOptions<L4Rule> {}

export interface TcpRouteProps extends TcpRouteOptions {}

/** Declares a TCPRoute. */
export class TcpRoute extends L4RouteBase {
  public readonly apiObject: tcproutes.TcpRoute;
  public readonly kind = 'TCPRoute';

  public constructor(scope: Construct, id: string, props: TcpRouteProps = {}) {
    super(scope, id);
    this.apiObject = new tcproutes.TcpRoute(this, 'Resource', { metadata: props.metadata, spec: this._lazySpec() });
    this._applyProps(props);
  }
}
