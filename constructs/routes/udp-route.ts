// UDPRoute: forwards datagrams on a UDP listener to weighted backends.
import { Construct } from 'constructs';
import { udproutes } from '../imports/index.ts';
import type { ResourceProps } from '../base.ts';
import { L4Rule, L4RouteBase } from './l4-route.ts';
import type { RouteOptions, RulesOptions } from './route-base.ts';

export interface UdpRouteOptions extends ResourceProps, RouteOptions, RulesOptions<L4Rule> {}

export interface UdpRouteProps extends UdpRouteOptions {}

/** Declares a UDPRoute. */
export class UdpRoute extends L4RouteBase {
  public readonly apiObject: udproutes.UdpRoute;
  public readonly kind = 'UDPRoute';

  public constructor(scope: Construct, id: string, props: UdpRouteProps = {}) {
    super(scope, id);
    this.apiObject = new udproutes.UdpRoute(this, 'Resource', { metadata: props.metadata, spec: this._lazySpec() });
    this._applyProps(props);
  }
}
