// A Service plus the pod selector it serves, as a tenant's Deployment would label its pods.
// Names double as the `app` label so `npm start`'s demo backends answer as that Service.
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';

export function service(scope: Construct, name: string, port = 8080, portName = 'http'): kplus.Service {
  return new kplus.Service(scope, `${name}-service`, {
    metadata: { name },
    ports: [{ name: portName, port, targetPort: port }],
    selector: kplus.Pods.select(scope, `${name}-pods`, { labels: { app: name } }),
  });
}
