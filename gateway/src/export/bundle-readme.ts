import type { BundleScriptInput } from './bundle-scripts.js';

/** The bundle's README: what is in it, and the three ways to run it. */
export function bundleReadme(b: BundleScriptInput & { format: string }): string {
  const needs = [
    'Node 20 and npm',
    ...(b.python ? ['Python 3.10+ with venv (or SLIPWAY_PYTHON)'] : []),
    ...(b.jvm
      ? [`Java 11+${b.hasJar ? '' : ' and Maven (the worker jar is built at first start)'}`]
      : []),
  ];
  return `# ${b.name}, version ${b.version} (${b.format})

Exported from a Slipway gateway. It answers \`POST /fn/${b.name}\` as the gateway does (the
records API: one record or a list, the same validation, ids and errors), without the gateway:
no invocation log, feedback, traffic splits or asynchronous runs.

| file | what |
| --- | --- |
| \`${b.artifactPath}\` | the artifact |
| \`deployment.json\` | the version's config, signature and artifact hash (checked at start) |
| \`runner/\` | the runner: the gateway's single-deployment mode, with only this format's runtime |
| \`run.sh\` | installs what is missing and starts the runner on \`PORT\` |
| \`Dockerfile\` | the same as a container image |
| \`kubernetes.yaml\` | a Deployment and a Service with the pool's resources |

## Run it

Needs ${needs.join(', ')}.

\`\`\`sh
PORT=8080 ./run.sh
curl -s -X POST http://127.0.0.1:8080/fn/${b.name} -H 'Content-Type: application/json' -d '{...}'
\`\`\`

\`SLIPWAY_INVOKE_KEY=<key>\` makes callers send \`Authorization: Bearer <key>\`; \`HOST=0.0.0.0\`
listens on every address. \`GET /healthz\` answers 200 once the model is loaded.

## As a container, and on Kubernetes

\`\`\`sh
docker build -t slipway-${b.name}:v${b.version} .
docker run --rm -p 8080:8080 slipway-${b.name}:v${b.version}
kubectl apply -f kubernetes.yaml   # after pushing the image where the cluster pulls from
\`\`\`
`;
}
