// An App with Portico's synth-time validation already attached, for apps without a Platform.
import { App, AppProps } from 'cdk8s';
import { attachValidation, ValidationOptions } from './validate-app.ts';

export interface PorticoAppProps extends AppProps {
  /**
   * Options for the synth-time validation.
   *
   * @default - Portico's controller name; warnings printed to stderr
   */
  readonly validation?: ValidationOptions;
}

/** A cdk8s App whose synth() runs validateApp(). */
export class PorticoApp extends App {
  public constructor(props: PorticoAppProps = {}) {
    super(props);
    attachValidation(this, props.validation);
  }
}
