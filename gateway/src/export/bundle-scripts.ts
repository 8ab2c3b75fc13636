/** What the scripts of a bundle are written for: the runner's needs and the artifact's name. */
export interface BundleScriptInput {
  name: string;
  version: number;
  /** The artifact's path in the bundle (`artifact/<file name>`). */
  artifactPath: string;
  python: boolean;
  jvm: boolean;
  /** The JVM worker's jar is in the bundle; else the runner builds it with Maven. */
  hasJar: boolean;
}

/**
 * `run.sh`: installs what the runner needs where it is missing (its npm packages, a Python
 * venv with the worker's requirements, the JVM worker's jar) and starts it on `PORT`. Each
 * step can be handed what is already installed: `SLIPWAY_NODE_MODULES` (a node_modules
 * folder to use), `SLIPWAY_PYTHON` (an interpreter with the worker's requirements),
 * `SLIPWAY_JAVA`.
 */
export function runScript(b: BundleScriptInput): string {
  const lines = [
    '#!/bin/sh',
    `# Serves ${b.name} (version ${b.version}) on PORT (default 8080), as the Slipway gateway does:`,
    `#   POST http://HOST:PORT/fn/${b.name}   GET /healthz`,
    '# HOST: the address to listen on (default 127.0.0.1; 0.0.0.0 in the container).',
    '# SLIPWAY_INVOKE_KEY: the key callers must send as "Authorization: Bearer <key>" (none: open).',
    'set -eu',
    'here=$(cd "$(dirname "$0")" && pwd)',
    'cd "$here/runner"',
    '',
    "# The runner's npm packages (runner/package.json: only what this format needs).",
    'if [ -n "${SLIPWAY_NODE_MODULES:-}" ]; then',
    '  ln -sfn "$SLIPWAY_NODE_MODULES" node_modules',
    'elif [ ! -d node_modules ]; then',
    "  # No install scripts: onnxruntime-node's only downloads CUDA binaries (its CPU ones are in the package).",
    '  npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error',
    'fi',
  ];
  if (b.python)
    lines.push(
      '',
      "# The Python worker's venv, unless SLIPWAY_PYTHON names an interpreter that has its requirements.",
      'if [ -z "${SLIPWAY_PYTHON:-}" ]; then',
      '  if [ ! -x "$here/.venv/bin/python" ]; then',
      '    python3 -m venv "$here/.venv"',
      '    "$here/.venv/bin/pip" install --disable-pip-version-check -q -r workers/python/requirements.txt',
      '  fi',
      '  SLIPWAY_PYTHON="$here/.venv/bin/python"',
      'fi',
      'export SLIPWAY_PYTHON',
    );
  if (b.jvm)
    lines.push(
      '',
      b.hasJar
        ? "# The JVM worker's jar is in runner/workers/java/target; Java 11 or newer runs it."
        : "# The JVM worker's jar was not built where this bundle was made: the runner builds it\n# with Maven (mvn) at its first start.",
      'export SLIPWAY_JAVA="${SLIPWAY_JAVA:-java}"',
    );
  lines.push(
    '',
    'export SLIPWAY_RUNNER_STANDALONE=true',
    'export SLIPWAY_RUNNER_SPEC_FILE="$here/deployment.json"',
    `export SLIPWAY_RUNNER_ARTIFACT_FILE="$here/${b.artifactPath}"`,
    'export SLIPWAY_RUNNER_PORT="${PORT:-8080}"',
    'export SLIPWAY_RUNNER_HOST="${HOST:-127.0.0.1}"',
    'export SLIPWAY_DATA_DIR="${SLIPWAY_DATA_DIR:-$here/.data}"',
    'exec node dist/runner/main.js',
    '',
  );
  return lines.join('\n');
}

/**
 * The bundle's Dockerfile: Node 20 on Debian bookworm, plus Python and the worker's venv for
 * pickles and notebooks, plus a JRE (and, when the jar is not in the bundle, a Maven stage
 * that builds it) for MOJOs: the targets of deploy/runner/Dockerfile, for one version.
 */
export function dockerfile(b: BundleScriptInput): string {
  const out = [
    `# ${b.name}, version ${b.version}, as a container: docker build -t slipway-${b.name}:v${b.version} .`,
    '# NODE_IMAGE: any Debian bookworm image with Node 20 on the PATH.',
    'ARG NODE_IMAGE=node:20-bookworm-slim',
  ];
  if (b.jvm && !b.hasJar)
    out.push(
      '',
      'FROM ${NODE_IMAGE} AS jar',
      'RUN apt-get update \\',
      ' && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven \\',
      ' && rm -rf /var/lib/apt/lists/*',
      'WORKDIR /jar',
      'COPY runner/workers/java/pom.xml ./',
      'COPY runner/workers/java/src/main src/main',
      'RUN mvn -B -ntp -q -Dmaven.test.skip=true package',
    );
  out.push(
    '',
    'FROM ${NODE_IMAGE}',
    '# A numeric, non-root user: Kubernetes can check runAsNonRoot against a number only.',
    'RUN groupadd --gid 10001 slipway \\',
    ' && useradd --uid 10001 --gid slipway --create-home --shell /usr/sbin/nologin slipway',
    'ENV NODE_ENV=production',
    'WORKDIR /bundle/runner',
    'COPY runner/package.json ./',
    'RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund',
  );
  const apt = [
    ...(b.python ? ['python3', 'python3-venv'] : []),
    ...(b.jvm ? ['openjdk-17-jre-headless'] : []),
  ];
  if (apt.length > 0)
    out.push(
      'RUN apt-get update \\',
      ` && apt-get install -y --no-install-recommends ${apt.join(' ')} \\`,
      ' && rm -rf /var/lib/apt/lists/*',
    );
  if (b.python)
    out.push(
      'COPY runner/workers/python/requirements.txt workers/python/',
      'RUN python3 -m venv /opt/slipway/venv \\',
      ' && /opt/slipway/venv/bin/pip install --no-cache-dir --disable-pip-version-check \\',
      '      -r workers/python/requirements.txt',
      'ENV SLIPWAY_PYTHON=/opt/slipway/venv/bin/python',
    );
  if (b.jvm) out.push('ENV SLIPWAY_JAVA=/usr/bin/java');
  out.push('COPY runner ./');
  if (b.jvm && !b.hasJar)
    out.push(
      'COPY --from=jar /jar/target/slipway-jvm-worker.jar workers/java/target/',
      '# Newer than its sources, so that the runner uses it as it is.',
      'RUN touch workers/java/target/slipway-jvm-worker.jar',
    );
  out.push(
    'COPY deployment.json run.sh ../',
    `COPY ${b.artifactPath} ../${b.artifactPath}`,
    'ENV HOST=0.0.0.0 PORT=8080 SLIPWAY_DATA_DIR=/tmp/slipway',
    'USER 10001',
    'EXPOSE 8080',
    'CMD ["sh", "/bundle/run.sh"]',
    '',
  );
  return out.join('\n');
}

/** What the build context leaves out: what `run.sh` made when the bundle ran outside. */
export const DOCKERIGNORE = ['runner/node_modules', '.venv', '.data', ''].join('\n');
