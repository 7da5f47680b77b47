#!/usr/bin/env node
// peers.js -- the npm peers of the moderation benchmark, one library per process.
//
//   node peers.js ENGINE LITERALS MESSAGES LISTINGS [--reps R] [--listings N]
//                 [--methods a,b]
//
// ENGINE: mint (mint-filter 4.0.3: verify() and filter() on each message) or
// modern (modern-ahocorasick 3.3.0: search() on each message, and match()).
// LITERALS: the normalised literal set, one per line (bench_pipeline dump).
// MESSAGES / LISTINGS: pre-normalised texts, one per line, read as UTF-8
// strings, the same input raw Vectorscan gets.
//
// Rates are per CPU-second of the process (wall time is kept too).
// Each method: a warm-up pass over the first 100,000 messages (JIT), then R
// timed passes over all of them (default 3); the median is reported.  The
// listings (first N, default 1,000: these libraries do 2-15 MB/s) are timed
// once, with the first method only.  Memory: process.memoryUsage().rss sampled after loading
// the data, after the build and after every pass; the maximum is the peak.
// The last stdout line is "RESULT {json}".
'use strict';
const fs = require('fs');
const path = require('path');

const [engine, litPath, msgPath, listPath, ...rest] = process.argv.slice(2);
let reps = 3;
let nList = 1000;
let only = null;
for (let i = 0; i < rest.length; i += 2) {
  if (rest[i] === '--reps') reps = Math.max(1, parseInt(rest[i + 1], 10));
  else if (rest[i] === '--listings') nList = Math.max(1, parseInt(rest[i + 1], 10));
  else if (rest[i] === '--methods') only = rest[i + 1].split(',');
}
if (!engine || !listPath) {
  console.error('usage: node peers.js mint|modern LITERALS MESSAGES LISTINGS [--reps R]');
  process.exit(2);
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
// CPU seconds of the whole process (all threads: JIT and GC helpers too; all
// pinned to the same core).  Rates are per CPU-second, as in bench_pipeline.
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
let peakRss = 0;
const sample = () => { const r = process.memoryUsage().rss; if (r > peakRss) peakRss = r; return r; };

function lines(p) {
  const s = fs.readFileSync(p, 'utf8');
  const a = s.split('\n');
  if (a.length && a[a.length - 1] === '') a.pop();
  return a;
}

const lits = lines(litPath);
const msgs = lines(msgPath);
const lists = lines(listPath).slice(0, nList);
const msgBytes = msgs.reduce((n, m) => n + Buffer.byteLength(m, 'utf8'), 0);
const listBytes = lists.reduce((n, m) => n + Buffer.byteLength(m, 'utf8'), 0);
const rss0 = sample();

function load(name) {
  // resolved from bench/moderation/node_modules (run.sh installs there)
  return require(require.resolve(name, { paths: [__dirname] }));
}

let build, methods, pkg;
if (engine === 'mint') {
  const Mint = load('mint-filter').default || load('mint-filter').Mint;
  pkg = 'mint-filter@' + require(path.join(__dirname, 'node_modules/mint-filter/package.json')).version;
  build = () => new Mint(lits);
  methods = {
    verify: (m, t) => (m.verify(t) ? 0 : 1),
    filter: (m, t) => m.filter(t, { replace: false }).words.length,
  };
} else if (engine === 'modern') {
  const AC = load('modern-ahocorasick');
  const AhoCorasick = AC.default || AC.AhoCorasick || AC;
  pkg = 'modern-ahocorasick@' + require(path.join(__dirname, 'node_modules/modern-ahocorasick/package.json')).version;
  build = () => new AhoCorasick(lits);
  methods = {
    search: (m, t) => m.search(t).length,
    match: (m, t) => (m.match(t) ? 1 : 0),
  };
} else {
  console.error('unknown engine ' + engine);
  process.exit(2);
}

if (only) methods = Object.fromEntries(Object.entries(methods).filter(([k]) => only.includes(k)));

const t0 = now();
const matcher = build();
const buildSeconds = now() - t0;
const rssBuilt = sample();
console.error(`${pkg}: ${lits.length} literals built in ${buildSeconds.toFixed(3)} s; ${msgs.length} messages`);

function pass(fn, items) {
  let hits = 0;
  for (let i = 0; i < items.length; i++) hits += fn(matcher, items[i]);
  return hits;
}

const median = (v) => { const s = v.slice().sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };

const out = {
  engine, package: pkg, literals: lits.length, messages: msgs.length, message_bytes: msgBytes,
  listings: lists.length, listing_bytes: listBytes, build_seconds: buildSeconds, node: process.version,
};
let first = true;
for (const [name, fn] of Object.entries(methods)) {
  let hits = pass(fn, msgs.slice(0, 100000)); // warm-up
  sample();
  const tv = [], tw = [];
  for (let r = 0; r < reps; r++) {
    const t = now(), c = cpu();
    hits = pass(fn, msgs);
    tv.push(cpu() - c);
    tw.push(now() - t);
    sample();
  }
  const s = median(tv), w = median(tw);
  out[name] = {
    cpu_seconds: s, wall_seconds: w, items_per_s: msgs.length / s, mb_per_s: msgBytes / s / 1e6,
    ns_per_item: (s * 1e9) / msgs.length, wall_items_per_s: msgs.length / w, hits,
  };
  let ltxt = '';
  if (first) {
    pass(fn, lists.slice(0, 100));
    const c = cpu();
    pass(fn, lists);
    const sl = cpu() - c;
    sample();
    out[name].listings_mb_per_s = listBytes / sl / 1e6;
    out[name].listings_per_s = lists.length / sl;
    ltxt = `   listings ${(listBytes / sl / 1e6).toFixed(1)} MB/s`;
    first = false;
  }
  console.error(`  ${name.padEnd(8)} ${(msgs.length / s).toFixed(0).padStart(10)} msgs/s ${(msgBytes / s / 1e6).toFixed(1).padStart(8)} MB/s` +
    `   hits ${hits}${ltxt}   (wall/cpu ${(w / s).toFixed(2)})`);
}
out.base_rss_mb = rss0 / 1048576;
out.built_rss_mb = rssBuilt / 1048576;
out.peak_rss_mb = peakRss / 1048576;
out.peak_minus_base_mb = (peakRss - rss0) / 1048576;
console.log('RESULT ' + JSON.stringify(out));
