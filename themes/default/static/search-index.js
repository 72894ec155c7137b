/* Glossator search index: the files builder/search/files.py writes, read a query at a time.

   - Every file is a <script> that hands its data to window.glossatorSearch.push(), so it
     loads from file://; every URL is relative and carries the build (?v=…), so that no
     cache pairs a file with the head of another build.
   - search/index.js (the head) names the vocabulary blocks by their first terms; a block
     gives its terms' frequency classes and fields and which postings file holds each;
     a postings file gives each term's items and weights; a text file, what a result shows.
   - Every reader answers from what is in, or asks for the file it needs and returns null;
     each arrival calls the listener (search.js runs the query again).
*/
(function () {
  "use strict";

  var TYPO_BLOCKS = 2;       // one-typo variants are looked for in at most this many blocks
  var STORES_AT_ONCE = 4;    // text files asked for at a time (see needText)

  var head = null, blocks = [], postings = [], texts = [], requested = {}, inflight = 0, broken = false;
  var listener = null, idle = [];

  function receive(entry) {
    var kind = entry[0], n = entry[1], data = entry[2];
    if (kind === "head") setHead(data);
    else if (kind === "w") blocks[n] = readBlock(data);
    else if (kind === "p") postings[n] = data;
    else if (kind === "s") texts[n] = data;
  }

  /* Front-coded lines: [shared prefix length][marks][rest], numbers as 48 + n. */
  function unfront(text, marks, each) {
    var lines = text ? text.split("\n") : [], prev = "";
    for (var i = 0; i < lines.length; i++) {
      var l = lines[i];
      prev = prev.slice(0, l.charCodeAt(0) - 48) + l.slice(1 + marks);
      each(i, prev, l);
    }
    return lines.length;
  }

  function setHead(data) {
    var starts = [], at = [], sum = 0;
    unfront(data.blocks, 0, function (i, term) { starts.push(term); });
    data.at.forEach(function (gap) { at.push(sum += gap); });
    head = { fields: data.fields, scale: data.scale, slots: data.slots, nItems: data.items, build: data.build,
             warm: data.warm, blockStart: starts, blockAt: at };
  }

  function readBlock(data) {
    var n = data.t ? data.t.split("\n").length : 0;
    var b = { first: data.f, terms: new Array(n), df: new Uint8Array(n), fields: new Uint8Array(n), runs: data.p,
              runStarts: data.p.map(function (r) { return r[0]; }) };
    unfront(data.t, 2, function (i, term, line) {
      b.terms[i] = term;
      b.df[i] = line.charCodeAt(1) - 48;
      b.fields[i] = line.charCodeAt(2) - 48;
    });
    return b;
  }

  function url(folder, n) { return "search/" + folder + "/" + n + ".js?v=" + head.build; }

  /* Called when a requested file has run (or failed). Waiting callers (tests, benchmarks)
     are called once nothing is in flight. */
  function arrived(now) {
    inflight--;
    if (listener) listener(now);
    if (inflight > 0) return;
    var waiting = idle;
    idle = [];
    waiting.forEach(function (fn) { fn(); });
  }

  /* Files a query waits for (`now`) are added to the page at once. Others (texts, and
     files fetched ahead of a word the reader is likely to type) are added in a task of their
     own, after the one that asked for them: adding a script from file:// costs the main
     thread ~3 ms, which would otherwise hold back the results a run has just put on screen. */
  var toAdd = [];
  function load(path, done, now) {
    if (requested[path]) return;
    requested[path] = true;
    inflight++;
    var s = document.createElement("script");
    s.src = path;
    s.async = true;
    s.onload = function () { if (done) done(); arrived(now); };
    s.onerror = function () { broken = true; if (done) done(); arrived(now); };
    if (now) document.head.appendChild(s);
    else if (toAdd.push(s) === 1) setTimeout(addScripts, 0);
  }
  function addScripts() {
    var batch = toAdd;
    toAdd = [];
    for (var i = 0; i < batch.length; i++) document.head.appendChild(batch[i]);
  }

  // --- vocabulary ------------------------------------------------------------------

  function lowerBound(a, x) {
    var lo = 0, hi = a.length;
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function upperBound(a, x) {
    var lo = 0, hi = a.length;
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (a[mid] <= x) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function blockOfTerm(t) { return Math.max(upperBound(head.blockStart, t) - 1, 0); }
  function blockOfPos(p) { return upperBound(head.blockAt, p) - 1; }
  function block(k, now) {
    if (!blocks[k]) load(url("words", k), null, now !== false);
    return blocks[k] || null;
  }

  /* The blocks holding the terms from `lo` to `hi`, or null after asking for the missing ones. */
  function blocksBetween(lo, hi, now) {
    var a = blockOfTerm(lo), z = blockOfTerm(hi), out = [];
    for (var k = a; k <= z; k++) { var b = block(k, now); if (b) out.push(b); }
    return out.length === z - a + 1 ? out : null;
  }

  /* Term t's position in the vocabulary, -1 if it is not there, null while its block loads. */
  function position(t) {
    var b = block(blockOfTerm(t));
    if (!b) return null;
    var i = lowerBound(b.terms, t);
    return i < b.terms.length && b.terms[i] === t ? b.first + i : -1;
  }
  function blockAt(p) { return blocks[blockOfPos(p)]; }     // (a position comes from a block that is in)
  function termAt(p) { var b = blockAt(p); return b.terms[p - b.first]; }
  function dfAt(p) { var b = blockAt(p); return b.df[p - b.first]; }
  /* Is term p in field f? (any field: null) */
  function inField(p, f) {
    if (!f) return true;
    var b = blockAt(p);
    return (b.fields[p - b.first] >> head.fields.indexOf(f) & 1) === 1;
  }

  /* Terms starting with `prefix` (in `field`, if given): the `limit` most frequent, or null while blocks load. */
  function prefixed(prefix, limit, field, now) {
    var bs = blocksBetween(prefix, prefix + "\uffff", now), out = [];
    if (!bs) return null;
    bs.forEach(function (b) {
      for (var i = lowerBound(b.terms, prefix); i < b.terms.length && b.terms[i].lastIndexOf(prefix, 0) === 0; i++) {
        if (inField(b.first + i, field)) out.push(b.first + i);
      }
    });
    out.sort(function (a, b) { return dfAt(b) - dfAt(a) || termAt(a).length - termAt(b).length || a - b; });
    return out.slice(0, limit);
  }

  /* One-typo variants of a term are looked for among the terms that share its first letters:
     as few as keep the search within TYPO_BLOCKS blocks (none in a small vocabulary). The
     prefix, with its blocks in; null while they load. */
  function typoPrefix(t) {
    var k = 0;
    while (k < t.length && blockOfTerm(t.slice(0, k) + "\uffff") - blockOfTerm(t.slice(0, k)) >= TYPO_BLOCKS) k++;
    var p = t.slice(0, k);
    return blocksBetween(p, p + "\uffff") ? p : null;
  }

  // --- postings --------------------------------------------------------------------

  function runOf(p) { var b = blockAt(p); return b.runs[upperBound(b.runStarts, p) - 1]; }
  /* Term p's postings come in this many files: its tiers, the best items first. */
  function tiers(p) { return runOf(p)[2]; }
  /* Term p's postings in tier k, [[field, item, weight, item gap, weight, …], …], or null
     after asking for their file (`now`: at once; false: in the background; null: not at all). */
  function tier(p, k, now) {
    var r = runOf(p), file = r[1] + (r[2] > 1 ? k : 0), d = postings[file];
    if (!d) { if (now !== null) load(url("postings", file), null, now); return null; }
    return d.p[r[2] > 1 ? 0 : p - d.f];
  }

  // --- what a result shows ---------------------------------------------------------

  /* Item n: {title, source, date, datetime, href, fragment, speaker, text}, null until its file is in. */
  function result(n) {
    var d = texts[Math.floor(n / head.slots)], slot = n % head.slots;
    if (!d) return null;
    var j = d.length - 1;
    while (j > 0 && d[j][0] > slot) j--;
    var part = d[j], out = { title: part[2], source: part[3], date: part[4], datetime: part[5], href: part[6] };
    if (part[1] && slot === part[0]) {
      out.text = part[7];
      return out;
    }
    var q = part[8][slot - part[0] - part[1]];
    out.fragment = q[0];
    out.speaker = q[1];
    out.text = part[7] !== null ? part[7].slice(q[2], q[3]) : q[2];
    return out;
  }

  /* Ask for item n's text file; true if that started a download. Asked for a few at a time:
     forty at once from file:// made the first of them arrive ~60 ms later than one alone,
     and the first results wait for theirs, which are asked for first. Each arrival runs
     the query again, which asks for the next ones. */
  var storesInflight = 0;
  function storeArrived() { storesInflight--; }
  function needText(n) {
    var path = url("texts", Math.floor(n / head.slots));
    if (requested[path] || storesInflight >= STORES_AT_ONCE) return false;
    storesInflight++;
    load(path, storeArrived);
    return true;
  }

  var queued = window.glossatorSearch || [];
  window.glossatorSearch = { push: receive };
  queued.forEach(receive);

  window.GlossatorIndex = {
    ready: function () { return !!head; },
    broken: function () { return broken; },
    head: function () { return head; },
    position: position, termAt: termAt, dfAt: dfAt, inField: inField, prefixed: prefixed, typoPrefix: typoPrefix,
    tiers: tiers, tier: tier, result: result, needText: needText,
    block: function (p) { return block(blockOfPos(p), false); },
    listen: function (fn) { listener = fn; },
    /* fn() once no file is in flight (now, if none is). */
    whenIdle: function (fn) { if (inflight > 0) idle.push(fn); else fn(); },
    loading: function () { return inflight > 0; }
  };
})();
