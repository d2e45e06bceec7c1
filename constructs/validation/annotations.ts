// Warnings attached to constructs (cdk8s has no Annotations API of its own; this mirrors the
// AWS CDK one). They ride on construct metadata, so tools and tests can read them after synth.
import { IConstruct } from 'constructs';

/** The metadata type warnings are stored under. */
export const WARNING_METADATA = 'portico:warning';

/** Warnings on one construct: `Annotations.of(c).addWarning('...')`. */
export class Annotations {
  public static of(construct: IConstruct): Annotations {
    return new Annotations(construct);
  }

  private constructor(private readonly construct: IConstruct) {}

  /** Adds a warning once (repeated synths do not duplicate it). */
  public addWarning(message: string): void {
    if (!this.warnings.includes(message)) this.construct.node.addMetadata(WARNING_METADATA, message);
  }

  /** The warnings on this construct, in the order added. */
  public get warnings(): string[] {
    return this.construct.node.metadata.filter((m) => m.type === WARNING_METADATA).map((m) => String(m.data));
  }
}
