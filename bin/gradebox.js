#!/usr/bin/env node
// The `gradebox` command. It has to start on whatever Node.js the system has, so this file is
// CommonJS (bin/package.json) and uses no syntax newer than Node 12's: an old Node must not die on
// a SyntaxError before it can say what is wrong. On Node 24+ it loads the compiled CLI (dist/,
// built by `npm ci`); on an older Node it runs itself again with the Node 24 that `npm ci` pins in
// node_modules, or says in one line what to install (exit 3).
'use strict';

var REQUIRED_MAJOR = 24;
// Set for the pinned Node we start, so a pinned Node that is too old too cannot loop.
var REEXEC_MARK = 'GRADEBOX_REEXEC_NODE';

if (Number(process.versions.node.split('.')[0]) >= REQUIRED_MAJOR) {
  start();
} else {
  runOnPinnedNode();
}

function start() {
  // Node's on-disk cache of compiled code: a cached start skips compiling the CLI's modules. It lives
  // in the user's own cache folder, not in a shared /tmp where another user could plant code for
  // root to load; NODE_COMPILE_CACHE moves it, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  var module = require('module');
  module.enableCompileCache(process.env.NODE_COMPILE_CACHE || compileCacheDir());
  // Once nothing is left to do, end at once: the teardown of a natural exit (freeing the heap, the
  // isolate, the platform) costs ~15 ms of every command and serves no one. Nothing is lost:
  // 'beforeExit' comes only when no write, timer or child is pending, and stdout and stderr are
  // synchronous on Linux; 'exit' listeners still run.
  process.once('beforeExit', function () {
    module.flushCompileCache();
    process.exit();
  });
  var main = require('path').join(__dirname, '..', 'dist', 'cli', 'main.js');
  import(require('url').pathToFileURL(bundled(main) || main).href).catch(function (error) {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).indexOf(main) >= 0) {
      fail('the compiled CLI is missing (' + main + '): run "npm run build" in ' + checkout());
    }
    // Anything else is a bug: let Node report it as an uncaught exception, with its stack.
    setImmediate(function () { throw error; });
  });
}

/**
 * dist/bundle/main.js (scripts/bundle-cli.ts: the same code in a few files, which loads faster),
 * unless it is missing or older than `main`: a `tsc` run after the bundling has changed dist/,
 * and the bundle would run the code from before. Undefined then: the caller runs `main` itself.
 */
function bundled(main) {
  var fs = require('fs');
  var bundle = require('path').join(__dirname, '..', 'dist', 'bundle', 'main.js');
  var built = fs.statSync(bundle, { throwIfNoEntry: false });
  var compiled = fs.statSync(main, { throwIfNoEntry: false });
  return built !== undefined && compiled !== undefined && built.mtimeMs >= compiled.mtimeMs ? bundle : undefined;
}

function runOnPinnedNode() {
  var pinned = process.env[REEXEC_MARK] === undefined ? pinnedNode() : undefined;
  if (pinned === undefined) {
    fail('needs Node.js ' + REQUIRED_MAJOR + ' or newer, but this is Node.js ' + process.versions.node + ' (' + process.execPath + '): ' +
      'run "npm ci" in ' + checkout() + ' (it brings the pinned Node.js ' + REQUIRED_MAJOR + '), or install Node.js ' + REQUIRED_MAJOR);
  }
  var env = Object.assign({}, process.env);
  env[REEXEC_MARK] = '1';
  var child = require('child_process').spawn(pinned, [__filename].concat(process.argv.slice(2)), { stdio: 'inherit', env: env });
  // A terminal's Ctrl-C reaches the whole process group, the child included: passing SIGINT on would
  // make it a second Ctrl-C, which skips cleanup. Signals sent to this process alone are passed on.
  process.on('SIGINT', function () {});
  ['SIGTERM', 'SIGHUP', 'SIGQUIT'].forEach(function (signal) {
    process.on(signal, function () { child.kill(signal); });
  });
  child.on('error', function (error) {
    fail('could not start the pinned Node.js ' + REQUIRED_MAJOR + ' (' + pinned + '): ' + error.message + '; run "npm ci" in ' + checkout());
  });
  child.on('exit', function (code, signal) {
    if (signal === null) process.exit(code);
    // End the same way, so the caller's shell sees 128+n.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}

/** The pinned Node.js 24 binary (the `node` package), hoisted or not; undefined when there is none. */
function pinnedNode() {
  var path = require('path');
  var fs = require('fs');
  var candidates = [];
  try {
    candidates.push(path.join(path.dirname(require.resolve('node/package.json', { paths: [checkout()] })), 'bin', 'node'));
  } catch {
    // Not installed: fall through to the .bin link, then give up.
  }
  candidates.push(path.join(checkout(), 'node_modules', '.bin', 'node'));
  for (var i = 0; i < candidates.length; i++) {
    try {
      fs.accessSync(candidates[i], fs.constants.X_OK);
      return candidates[i];
    } catch {
      // Next one.
    }
  }
  return undefined;
}

/** `$XDG_CACHE_HOME/gradebox/compile-cache`, by default `~/.cache/gradebox/compile-cache`. */
function compileCacheDir() {
  var path = require('path');
  var cacheHome = process.env.XDG_CACHE_HOME || path.join(require('os').homedir(), '.cache');
  return path.join(cacheHome, 'gradebox', 'compile-cache');
}

function checkout() {
  return require('path').resolve(__dirname, '..');
}

function fail(message) {
  process.stderr.write('gradebox: ' + message + '\n');
  process.exit(3);
}
