// rules[].sessionPersistence (experimental): sticky sessions by cookie or header.
import { Duration } from 'cdk8s';
import { compact } from '../base.ts';
import { toGatewayDuration } from './duration.ts';

export interface SessionPersistenceOptions {
  /**
   * Name of the cookie or header carrying the session.
   *
   * @default - chosen by the implementation
   */
  readonly sessionName?: string;
  /**
   * Session lifetime regardless of activity.
   *
   * @default - no absolute limit
   */
  readonly absoluteTimeout?: Duration;
}

export interface CookieSessionOptions extends SessionPersistenceOptions {
  /**
   * Whether the cookie is a session cookie or a permanent one (with Expires).
   *
   * @default - Session
   */
  readonly lifetimeType?: 'Permanent' | 'Session';
}

/** Sticky sessions for a rule. */
export class SessionPersistence {
  /** The gateway issues and reads a cookie. */
  public static cookie(options: CookieSessionOptions = {}): SessionPersistence {
    if (options.lifetimeType === 'Permanent' && !options.absoluteTimeout) {
      throw new Error('a Permanent session cookie needs absoluteTimeout; pass absoluteTimeout or use lifetimeType Session');
    }
    return new SessionPersistence('Cookie', options, options.lifetimeType);
  }
  /** Clients carry the session in a header. */
  public static header(options: SessionPersistenceOptions = {}): SessionPersistence {
    return new SessionPersistence('Header', options);
  }
  private constructor(private readonly type: string, private readonly options: SessionPersistenceOptions, private readonly lifetimeType?: string) {}
  /** @internal */
  public _toKube() {
    return compact({
      type: this.type,
      sessionName: this.options.sessionName,
      absoluteTimeout: this.options.absoluteTimeout && toGatewayDuration(this.options.absoluteTimeout, 'sessionPersistence.absoluteTimeout'),
      cookieConfig: this.lifetimeType ? { lifetimeType: this.lifetimeType } : undefined,
    });
  }
}
