/** Rules GB050–GB072: instructions gradebox ignores or keeps, secrets, apt-get habits. */
import { describe, expect, it } from 'vitest';
import { isSecretName } from '../../src/sanity/dockerfile/rules/secrets.ts';
import { CLEAN, dockerfile, findingsOf, linesOf, summary } from './lint-helpers.ts';

describe('GB050–GB055 run-time instructions', () => {
  it('GB050 EXPOSE, GB054 HEALTHCHECK and STOPSIGNAL, GB055 ONBUILD: info on each line', () => {
    const text = dockerfile(...CLEAN, 'EXPOSE 8080', 'HEALTHCHECK CMD true', 'STOPSIGNAL SIGINT', 'ONBUILD COPY . /app');
    expect(summary(text)).toEqual([[6, 'GB050'], [7, 'GB054'], [8, 'GB054'], [9, 'GB055']]);
    expect(findingsOf('GB050', text)[0]?.message).toBe('EXPOSE 8080 is ignored: graders run without a network (loopback only), so nothing can connect to it');
    expect(findingsOf('GB054', text)[1]?.message).toBe('STOPSIGNAL is ignored: at the time limit every process of the run gets SIGKILL');
  });

  it('GB051 VOLUME: a warning, and Docker\'s discard caveat only when a later step writes there', () => {
    const plain = dockerfile(...CLEAN, 'VOLUME ["/data", "/cache"]');
    expect(findingsOf('GB051', plain).map((f) => [f.line, f.severity])).toEqual([[6, 'warning']]);
    expect(findingsOf('GB051', plain)[0]?.message).not.toContain('discarded');
    const written = dockerfile('FROM python:3.12-slim', 'VOLUME /data', 'RUN echo x > /data/seed', ...CLEAN.slice(1));
    expect(findingsOf('GB051', written)[0]?.message).toContain('build steps changing a volume after VOLUME (line 3) may be discarded');
  });

  it('GB052 ENV is kept: one note, at the first ENV of the final image', () => {
    const text = dockerfile('FROM python:3.12-slim', 'ENV LANG=C.UTF-8', 'ENV PYTHONDONTWRITEBYTECODE=1', ...CLEAN.slice(1));
    expect(linesOf('GB052', text)).toEqual([2]);
    expect(findingsOf('GB052', text)[0]?.message).toMatch(/^ENV is kept: gradebox passes the image environment to the grader/);
  });

  it('GB053 ENV partId, filename or userId, on the line of the variable', () => {
    const text = dockerfile(...CLEAN, 'ENV MODE=strict \\', '    partId=hello', 'ENV filename answer.py');
    expect(linesOf('GB053', text)).toEqual([7, 8]);
  });

  it('none of them for build stages the final image does not derive from', () => {
    const text = dockerfile('FROM python:3.12-slim AS build', 'EXPOSE 80', 'VOLUME /x', 'ENV partId=1', 'ONBUILD RUN x', 'HEALTHCHECK NONE', ...CLEAN);
    expect(summary(text).filter(([, rule]) => rule.startsWith('GB05'))).toEqual([]);
  });
});

describe('GB060 and GB061 secrets', () => {
  it.each([
    ['PASSWORD'], ['DB_PASSWORD'], ['API_KEY'], ['apiKey'], ['GITHUB_TOKEN'], ['AWS_SECRET_ACCESS_KEY'], ['SSH_PRIVATE_KEY'],
    ['SECRET'], ['client_secret'], ['NPM_TOKEN'], ['MYSQL_PASS'], ['credentials'],
  ])('%s looks like a secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([['GPG_KEY'], ['TOKENIZERS_PARALLELISM'], ['PASSWORD_FILE'], ['PATH'], ['PWD'], ['KEYBOARD'], ['PYTHON_VERSION'], ['BYPASS_CACHE']])('%s does not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });

  it('GB060 ENV with a value, on the variable\'s line, never quoting the value', () => {
    const text = dockerfile(...CLEAN, 'ENV API_KEY=sk-live-123', 'ENV MODE=x \\', '    DB_PASSWORD="hunter2"', 'ENV GITHUB_TOKEN ghp_legacy_form');
    expect(findingsOf('GB060', text).map((f) => [f.line, f.severity])).toEqual([[6, 'error'], [8, 'error'], [9, 'error']]);
    for (const finding of findingsOf('GB060', text)) expect(finding.message).not.toMatch(/sk-live|hunter2|ghp_/);
  });

  it('GB060 not for an empty ENV, a secret-file path, or a build stage', () => {
    expect(linesOf('GB060', dockerfile(...CLEAN, 'ENV TOKEN=', 'ENV DB_PASSWORD_FILE=/run/secrets/db'))).toEqual([]);
    expect(linesOf('GB060', dockerfile('FROM python:3.12-slim AS build', 'ENV TOKEN=abc', ...CLEAN))).toEqual([]);
  });

  it('GB061 ARG, with or without a default, anywhere (global ARGs and build stages included)', () => {
    const text = dockerfile('ARG NPM_TOKEN', 'FROM python:3.12-slim AS build', 'ARG API_KEY=dev', 'ARG VERSION=1', ...CLEAN);
    expect(findingsOf('GB061', text).map((f) => [f.line, f.severity])).toEqual([[1, 'warning'], [3, 'warning']]);
  });
});

describe('GB062 private key in the image', () => {
  it('by source or destination name, COPY or ADD, from another stage too; never quoting content', () => {
    const text = dockerfile(...CLEAN, 'COPY deploy_key /root/.ssh/deploy_key', 'ADD keys/id_ed25519 /home/grader/.ssh/', 'COPY --from=build /out/server.pem /etc/ssl/', 'COPY ssh/ /root/.ssh/id_rsa');
    expect(findingsOf('GB062', text).map((f) => [f.line, f.severity])).toEqual([[6, 'warning'], [7, 'warning'], [8, 'warning'], [9, 'warning']]);
    expect(findingsOf('GB062', text)[0]?.message).toMatch(/^COPY puts a private key \(deploy_key\) in the image/);
  });

  it('not for ssh config, known_hosts, public keys or look-alike names', () => {
    const text = dockerfile(...CLEAN, 'COPY ssh_config /root/.ssh/config', 'COPY known_hosts id_rsa.pub /root/.ssh/', 'COPY keyboard.py deploy.sh /grader/');
    expect(linesOf('GB062', text)).toEqual([]);
  });
});

describe('GB070–GB072 apt-get install', () => {
  const GOOD = 'RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*';

  it('the good form has none of them', () => {
    expect(summary(dockerfile(...CLEAN, GOOD))).toEqual([]);
  });

  it('GB070 lists kept; GB071 no -y; GB072 recommends: at the line of apt-get in a continued RUN', () => {
    const text = dockerfile(...CLEAN, 'RUN apt-get update \\', '  # comments inside a continued RUN are dropped by Docker', ' && apt-get install gcc \\', ' && apt-get clean');
    expect(summary(text)).toEqual([[8, 'GB070'], [8, 'GB071'], [8, 'GB072']]);
  });

  it('a later RUN removing the lists does not help', () => {
    const text = dockerfile(...CLEAN, 'RUN apt-get install -y --no-install-recommends gcc', 'RUN rm -rf /var/lib/apt/lists/*');
    expect(linesOf('GB070', text)).toEqual([6]);
  });

  it('apt as well as apt-get, named in the message as written', () => {
    expect(findingsOf('GB070', dockerfile(...CLEAN, 'RUN apt update && apt install -y --no-install-recommends x'))[0]?.message).toMatch(/^apt install leaves the package lists/);
  });

  it('option spellings: -qy, --yes, --assume-yes, -o APT::Get::Assume-Yes=true, -o APT::Install-Recommends=false', () => {
    for (const install of ['apt-get -qy install x', 'apt-get install --yes x', 'DEBIAN_FRONTEND=noninteractive apt-get --assume-yes install x', 'apt-get -o APT::Get::Assume-Yes=true install x', 'sudo apt install -y x']) {
      expect(linesOf('GB071', dockerfile(...CLEAN, `RUN ${install} && rm -rf /var/lib/apt/lists/*`)), install).toEqual([]);
    }
    expect(linesOf('GB072', dockerfile(...CLEAN, 'RUN apt-get -y -o APT::Install-Recommends=false install x && rm -rf /var/lib/apt/lists'))).toEqual([]);
  });

  it('a cache mount keeps the lists out of the image', () => {
    expect(linesOf('GB070', dockerfile(...CLEAN, 'RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends gcc'))).toEqual([]);
  });

  it('not for other apt-get commands, or apt-get mentioned in an echo', () => {
    expect(summary(dockerfile(...CLEAN, 'RUN apt-get update', 'RUN apt-get -y upgrade', 'RUN echo apt-get install x'))).toEqual([]);
  });

  it('GB071 applies to build stages (the build aborts there too); GB070 and GB072 only to the final image', () => {
    const text = dockerfile('FROM debian:12-slim AS build', 'RUN apt-get install gcc', ...CLEAN);
    expect(summary(text)).toEqual([[2, 'GB071']]);
  });

  it('heredoc scripts: each line is a command; a python heredoc is not shell', () => {
    const text = dockerfile(
      ...CLEAN,
      'RUN <<EOF', 'set -e', 'apt-get update', 'apt-get install -y --no-install-recommends gcc', 'rm -rf /var/lib/apt/lists/*', 'EOF',
      'RUN bash <<-SCRIPT', '\tapt-get install make', '\tSCRIPT',
      'RUN python3 <<PY', 'print("apt-get install nothing")', 'PY',
    );
    expect(summary(text)).toEqual([[6, 'GB007'], [13, 'GB070'], [13, 'GB071'], [13, 'GB072']]);
  });
});
