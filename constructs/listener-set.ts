// ListenerSet: extra listeners a namespace attaches to a shared Gateway (GEP-1713). The Gateway
// must allow it (spec.allowedListeners); tenants may only declare one if the platform allows it.
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { listenersets } from './imports/index.ts';
import type { ResourceProps } from './base.ts';
import type { IGateway } from './gateway.ts';
import { GatewayListener, ListenerHolderBase, ListenerOptions, parentRefTo } from './listener.ts';

export interface ListenerSetOptions extends ResourceProps {
  /**
   * Listeners. You can also add listeners later with addListener().
   *
   * @default - none; add at least one before synth
   */
  readonly listeners?: ListenerOptions[];
}

export interface ListenerSetProps extends ListenerSetOptions {
  /** The Gateway the listeners attach to (spec.parentRef). */
  readonly gateway: IGateway;
}

/** Declares a ListenerSet attached to a Gateway. Routes attach to it or to one of its listeners. */
export class ListenerSet extends ListenerHolderBase {
  public readonly apiObject: listenersets.ListenerSet;
  public readonly kind = 'ListenerSet';
  public readonly gateway: IGateway;

  public constructor(scope: Construct, id: string, props: ListenerSetProps) {
    super(scope, id);
    this.gateway = props.gateway;
    this.apiObject = new listenersets.ListenerSet(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({
        produce: () => ({
          parentRef: { ...parentRefTo(this.gateway, this.namespace), group: 'gateway.networking.k8s.io', kind: 'Gateway' },
          listeners: this._listeners.map((l) => l._toKube()),
        }),
      }) as any,
    });
    this._applyListeners(props.listeners, 'listener set');
  }

  /** The listener named `name`; throws if there is none. */
  public listener(name: string): GatewayListener {
    const l = this._listeners.find((x) => x.name === name);
    if (!l) throw new Error(`listener set ${this.name} has no listener "${name}" (listeners: ${this._listeners.map((x) => x.name).join(',') || '(none)'}); add it with addListener()`);
    return l;
  }

}
