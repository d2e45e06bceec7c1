// Which container image runs the gateway: the Node image or the Deno image built from
// images/*.Containerfile (`npm run image`), by repository and tag.

/** The JavaScript runtime inside the image. */
export enum GatewayRuntimeKind {
  NODE = 'node',
  /** Deno 2: no HTTP/2 (h2c, gRPC) backends yet; see the README's "Deploy with Argo CD". */
  DENO = 'deno',
}

/** The gateway image: `RuntimeImage.node('registry.example.com/portico', '0.1.0')`. */
export class RuntimeImage {
  /** The Node.js image (images/node.Containerfile). */
  public static node(repository: string, tag: string): RuntimeImage {
    return new RuntimeImage(GatewayRuntimeKind.NODE, repository, tag);
  }

  /** The Deno image (images/deno.Containerfile). */
  public static deno(repository: string, tag: string): RuntimeImage {
    return new RuntimeImage(GatewayRuntimeKind.DENO, repository, tag);
  }

  private constructor(public readonly runtime: GatewayRuntimeKind, public readonly repository: string, public readonly tag: string) {
    if (!/^[a-z0-9]+([._\-/:][a-z0-9]+)*$/.test(repository)) {
      throw new Error(`image repository "${repository}" is not a lowercase image name; use e.g. "registry.example.com/portico"`);
    }
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) || tag === 'latest') {
      throw new Error(`image tag "${tag}" is not a pinned tag; use a version such as "0.1.0" (never "latest": a rollout must be reproducible)`);
    }
  }

  /** "repository:tag" */
  public get reference(): string {
    return `${this.repository}:${this.tag}`;
  }
}
