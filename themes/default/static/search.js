/* Glossator search: the query typed in #q, scored against the index builder/search/ wrote
   (read through search-index.js, GlossatorIndex). Nothing is indexed here.

   - Works from file:// and under any sub-path (see search-index.js).
   - Words are cut, folded and stemmed exactly as builder/search/words.py does (tests
     compare both over every word of the example corpus).
   - A query loads the vocabulary blocks of its words, the postings of the terms they
     stand for (a common term's best items first), and the text files of the results shown.
   - Text from the corpus reaches the page only as text (textContent, text nodes).
*/
(function () {
  "use strict";

  var SEP = /[\s\-\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d\/]+/;
  var TOKEN = /[^\s\-\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d\/]+/g;
  var EDGES = /^[^\p{L}\p{N}_]+|[^\p{L}\p{N}_]+$/gu;
  var LEAD = /^[^\p{L}\p{N}_]*/u;
  var TAIL = /[^\p{L}\p{N}_]*$/u;
  var MAX_CHARS = 500;       // of a query; a 10,000-character paste is cut here
  var MAX_WORDS = 12;
  var PAGE = 20;             // results shown at a time
  var ADDRESS_DELAY = 400;   // ms without typing before the address shows the query
  var EXACT = 10, PREFIX = 2, FUZZY = 1;   // boosts: the word itself counts most

  // --- words: the twin of builder/search/words.py -------------------------------

  function fold(t) {
    if (!/[^\x00-\x7f]/.test(t)) return t.replace(/\*/g, "");
    return t.normalize("NFKD").replace(/\p{Mn}/gu, "").replace(/\*/g, "");
  }
  function trim(t) {
    t = t.replace(EDGES, "");
    if (/['\u2019]s$/.test(t)) t = t.slice(0, -2).replace(EDGES, "");
    return t;
  }
  function normalise(raw) { return trim(fold(raw.toLowerCase())); }
  function words(text) {
    var out = [], parts = String(text).toLowerCase().split(SEP);
    for (var i = 0; i < parts.length; i++) {
      var w = parts[i] && trim(fold(parts[i]));
      if (w) out.push(w);
    }
    return out;
  }
  function isStop(w) { return !lunr.stopWordFilter(new lunr.Token(w)); }
  var stems = new Map();
  function stem(w) {
    var s = stems.get(w);
    if (s === undefined) {
      s = lunr.stemmer(new lunr.Token(w)).toString();
      if (stems.size > 50000) stems.clear();
      stems.set(w, s);
    }
    return s;
  }
  function terms(text) {
    return words(text).filter(function (w) { return !isStop(w); }).map(stem);
  }

  // --- the index (search-index.js) ---------------------------------------------

  var I = window.GlossatorIndex, started = false, waiting = false;

  /* A run reads the index through these: each notes whether it had to wait for a file
     (`waiting`), and the run that waited shows "Searching…" and runs again when it arrives. */
  function position(t) { var p = I.position(t); if (p === null) { waiting = true; return -1; } return p; }
  function prefixed(p, limit, field) { var out = I.prefixed(p, limit, field); if (out === null) { waiting = true; return []; } return out; }

  /* A promise of fn()'s first result that is not null, retried as index files arrive. */
  function settle(fn) {
    return new Promise(function (resolve, reject) {
      (function attempt() {
        if (I.broken()) return reject(new Error("search index files failed to load"));
        var r = I.ready() ? fn() : null;
        if (r === null) I.whenIdle(function () { setTimeout(attempt, 0); }); else resolve(r);
      })();
    });
  }

  /* Ask for the first postings file of term `pos`, in the background: for a word the reader is likely to type next. */
  function prefetch(pos) { I.tier(pos, 0, false); }

  function oneTypo(w) {
    var prefix = I.typoPrefix(w), seen = {}, out = [], alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    if (prefix === null) { waiting = true; return out; }
    for (var k = 0; k < w.length; k++) if (alphabet.indexOf(w[k]) < 0) alphabet += w[k];
    function add(c) {
      if (seen[c] || c.lastIndexOf(prefix, 0) !== 0) return;
      seen[c] = 1;
      var i = position(c);
      if (i >= 0) out.push(i);
    }
    for (var i = prefix.length; i <= w.length; i++) {
      if (i < w.length) add(w.slice(0, i) + w.slice(i + 1));                                   // deletion
      if (i < w.length - 1) add(w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2));              // transposition
      for (var j = 0; j < alphabet.length; j++) {
        var c = alphabet[j];
        if (i < w.length && c !== w[i]) add(w.slice(0, i) + c + w.slice(i + 1));                // substitution
        add(w.slice(0, i) + c + w.slice(i));                                                     // insertion
      }
    }
    return out;
  }

  // --- queries -------------------------------------------------------------------

  var FIELD_NAMES = {
    title: "title", speaker: "speakers", speakers: "speakers", source: "source",
    entity: "entities", entities: "entities", mention: "entities", text: "text", body: "text"
  };

  /* The query as a list of parts: {text, field, phrase, negate, prefix, last}. Never throws. */
  function parse(query) {
    var q = String(query).slice(0, MAX_CHARS), parts = [], i = 0, n = q.length;
    while (i < n) {
      while (i < n && /\s/.test(q[i])) i++;
      if (i >= n) break;
      var negate = false, field = null;
      if ((q[i] === "-" || q[i] === "+") && i + 1 < n && !/\s/.test(q[i + 1])) { negate = q[i] === "-"; i++; }
      var m = /^([A-Za-z]+):(?=\S)/.exec(q.slice(i, i + 20));
      if (m && FIELD_NAMES[m[1].toLowerCase()]) { field = FIELD_NAMES[m[1].toLowerCase()]; i += m[0].length; }
      if (q[i] === '"') {
        var end = q.indexOf('"', i + 1);
        var closed = end >= 0;
        if (!closed) end = n;
        parts.push({ text: q.slice(i + 1, end), field: field, phrase: true, negate: negate, prefix: false, last: !closed });
        i = end + 1;
      } else {
        var start = i;
        while (i < n && !/\s/.test(q[i]) && q[i] !== '"') i++;
        var text = q.slice(start, i), prefix = /\*$/.test(text);
        text = text.replace(/[~^][0-9]*$/, "");
        parts.push({ text: text, field: field, phrase: false, negate: negate, prefix: prefix, last: i >= n });
      }
    }
    return parts;
  }

  /* Each searchable word with the index terms it stands for (term position → boost);
     {pending: true} while the vocabulary blocks it needs load. */
  function plan(query, typed) {
    waiting = false;
    var parts = parse(query), out = [], phrases = [], count = 0, truncated = String(query).length > MAX_CHARS;
    var typing = typed && !/\s$/.test(String(query).slice(0, MAX_CHARS));
    parts.forEach(function (part) {
      var ws = words(part.text);
      if (part.phrase && part.negate) return;     // "-" before a phrase: not supported, ignored
      // A phrase still being typed (no closing quote yet) is searched as words until it is closed.
      // A closed phrase wants its words exactly: no prefix or typo expansions, whose shards
      // would only be loaded to find candidates the phrase check then turns down.
      var exact = part.phrase && ws.length > 1 && !part.last, phrase = { words: ws, field: part.field, terms: [] };
      if (exact) phrases.push(phrase);
      ws.forEach(function (w, k) {
        if (isStop(w) || count >= MAX_WORDS) { if (count >= MAX_WORDS) truncated = true; return; }
        count++;
        // A fielded word (speaker:sel) completes and corrects to terms of that field only.
        var s = stem(w), expand = {}, pos = position(s), f = part.field;
        if (pos >= 0 && I.inField(pos, f)) expand[pos] = EXACT;
        if (exact && pos >= 0) phrase.terms.push(pos);
        var lastWord = part.last && typing && k === ws.length - 1;
        if (w.length > 40 || exact) { out.push({ word: w, field: part.field, negate: part.negate, expand: expand }); return; }
        if (part.prefix || (lastWord && w.length >= 3)) {
          prefixed(w, part.prefix ? 30 : 10, f).forEach(function (p) { if (!expand[p]) expand[p] = PREFIX; });
        } else if (lastWord && w.length === 2) {
          (I.prefixed(w, 3, f, false) || []).forEach(prefetch);     // the next letter will want its completions
        }
        if (w.length >= 5) oneTypo(s).forEach(function (p) { if (!expand[p] && I.inField(p, f)) expand[p] = FUZZY; });
        out.push({ word: w, field: part.field, negate: part.negate, expand: expand });
      });
    });
    return waiting ? { pending: true } : { words: out, phrases: phrases, truncated: truncated };
  }

  /* Term p's weights per item, summed over the fields in `mask`, from the tiers that are in:
     {tiers: how many are in, sum: Map item → integer weight}. Kept, and added to as tiers
     arrive: a common term's postings are read once, however many runs wait for them. */
  var sums = new Map(), summed = 0;
  /* Ask for the tiers after the first? A page holds them back until its first result is on
     screen (their bytes would come before it); the API (tests, benchmarks) wants them all. */
  var eager = true;
  function termSums(p, mask, ask) {
    var key = p + "/" + mask, t = sums.get(key), n = I.tiers(p);
    if (!t) {
      if (summed > 2000000) { sums.clear(); summed = 0; }
      sums.set(key, t = { tiers: 0, of: n, sum: new Map() });
    }
    // The first tier is waited for (`now`); once it is in, the rest are asked for together, in the background.
    for (var k = t.tiers; k < n; k++) {
      var lists = I.tier(p, k, ask === false || (k > 0 && !eager) ? null : k === 0);
      if (lists === null) {
        if (ask !== false && k > 0 && eager) for (var j = k; j < n; j++) I.tier(p, j, false);
        break;
      }
      for (var i = 0; i < lists.length; i++) {
        var list = lists[i], item = 0;
        if (!(mask & (1 << list[0]))) continue;
        for (var e = 1; e < list.length; e += 2) {
          item = e === 1 ? list[1] : item + list[e];
          t.sum.set(item, (t.sum.get(item) || 0) + list[e + 1]);
        }
        summed += list.length >> 1;
      }
      t.tiers++;
    }
    return t;
  }

  /* Term p's fields in each item (a bit per field of the head's list), from the tiers that are in
     (read, not asked for: its word's scores asked for them). */
  var bitsOf = new Map();
  function termBits(p) {
    var t = bitsOf.get(p), n = I.tiers(p);
    if (!t) {
      if (bitsOf.size > 16) bitsOf.clear();
      bitsOf.set(p, t = { tiers: 0, bits: new Map() });
    }
    for (var k = t.tiers; k < n; k++) {
      var lists = I.tier(p, k, null);
      if (lists === null) break;
      for (var i = 0; i < lists.length; i++) {
        var list = lists[i], item = 0, bit = 1 << list[0];
        for (var e = 1; e < list.length; e += 2) {
          item = e === 1 ? list[1] : item + list[e];
          t.bits.set(item, (t.bits.get(item) || 0) | bit);
        }
      }
      t.tiers++;
    }
    return t.bits;
  }

  /* A phrase's words must all be in one field it may be in (its own, or one a result shows:
     see hasPhrases): {mask, bits} to turn down, without loading its text, an item that holds
     them apart (a quote by Hashato Vika that says "Rodor" is no match for "vika rodor"). */
  function phraseFilter(ph) {
    var all = I.head().fields, mask = 0;
    (ph.field ? [ph.field] : ["text"].concat(Object.keys(SHOWN))).forEach(function (f) {
      if (all.indexOf(f) >= 0) mask |= 1 << all.indexOf(f);
    });
    return { mask: mask, bits: ph.terms.map(termBits) };
  }

  var cache = new Map();
  /* One word's matches: {items: [n…], score: Map n → score, partial}, or null while the
     postings it needs first are loading. The score is lunr's: for each field, the dot
     product of the query vector (the boosts) with the item's field vector, divided by the
     query vector's length; summed over fields. A test holds it equal to lunr.Index.query()
     on the whole index. Weights are integer thousandths, so the sums are exact whatever
     the order the postings come in. A term's postings come in tiers, its best items
     first. A word's matches come `partial`, as they stand, once a term of the highest
     boost has its first tier in (the word as written or, for a word being typed that is
     not one yet, one of its completions): the rest of its tiers, and its other completions
     and one-typo variants, are in a later run. */
  function scoreWord(word, ask) {
    var all = I.head().fields, fields = word.field ? [word.field] : all, key = JSON.stringify([fields, word.expand]);
    if (cache.has(key)) return cache.get(key);
    var positions = Object.keys(word.expand).map(Number), mask = 0, norm = 0, top = 0, topReady = false, partial = false;
    fields.forEach(function (f) { mask |= 1 << all.indexOf(f); });
    positions.forEach(function (p) { top = Math.max(top, word.expand[p]); norm += word.expand[p] * word.expand[p]; });
    // Asked for in order of boost (the word as written first, then completions, then typos),
    // and among equals the most frequent first: it finds the most.
    positions.sort(function (a, b) { return word.expand[b] - word.expand[a] || I.dfAt(b) - I.dfAt(a) || a - b; });
    var got = positions.map(function (p) {
      var t = termSums(p, mask, ask);
      if (t.tiers < t.of) partial = true;
      if (t.tiers && word.expand[p] === top) topReady = true;
      return t;
    });
    if (partial && (!topReady || word.negate)) return null;   // "-word" excludes all it finds or waits
    var score = new Map(), items = [], total = Math.sqrt(norm) * I.head().scale;
    got.forEach(function (t, i) {
      var b = word.expand[positions[i]];
      t.sum.forEach(function (w, n) {
        var s = score.get(n);
        if (s === undefined) { items.push(n); score.set(n, b * w); } else score.set(n, s + b * w);
      });
    });
    for (var i = 0; i < items.length; i++) score.set(items[i], score.get(items[i]) / total);
    var found = { items: items, score: score, partial: partial };
    if (partial) return found;
    if (cache.size > 12) cache.clear();
    cache.set(key, found);
    return found;
  }

  /* {items: [[n, score]…], pending: bool, partial: bool}: every item matching every word, best
     first; `partial` while completions or typo variants of a word are still loading. */
  var lastRank = { key: null, result: null };
  function rank(p, limit) {
    if (limit === undefined) limit = Infinity;
    if (p.pending) return { items: null, pending: true };
    var found = p.words.map(function (w) { return scoreWord(w); });
    if (found.some(function (m) { return m === null; })) return { items: null, pending: true };
    var partial = found.some(function (m) { return m.partial; });
    // A query runs again as each text file arrives: the ranking it has is kept (once complete).
    var key = partial ? null : JSON.stringify([p.words, p.phrases.map(function (ph) { return [ph.terms, ph.field]; })]);
    if (key !== null && lastRank.key === key && lastRank.limit >= limit) return lastRank.result;
    var plus = found.filter(function (m, i) { return !p.words[i].negate; });
    var minus = found.filter(function (m, i) { return p.words[i].negate; });
    if (!plus.length) return { items: [], count: 0, pending: false, partial: partial };
    var base = plus.reduce(function (a, b) { return b.items.length < a.items.length ? b : a; });
    var apart = p.phrases.filter(function (ph) { return ph.terms.length > 1; }).map(phraseFilter);
    var items = [];
    base.items.forEach(function (n) {
      var total = 0;
      for (var i = 0; i < plus.length; i++) { var s = plus[i].score.get(n); if (s === undefined) return; total += s; }
      for (i = 0; i < minus.length; i++) if (minus[i].score.has(n)) return;
      for (i = 0; i < apart.length; i++) {
        var common = apart[i].mask;
        for (var j = 0; j < apart[i].bits.length && common; j++) common &= apart[i].bits[j].get(n) || 0;
        if (!common) return;
      }
      items.push([n, total]);
    });
    var count = items.length;
    if (count > 4 * limit + 1000) items = best(items, limit);
    items.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    var result = { items: items, count: count, pending: false, partial: partial };
    if (key !== null) lastRank = { key: key, limit: limit, result: result };
    return result;
  }

  /* The [n, score] pairs scoring at least the k-th best (ties kept): a page of a common
     word's 300,000 matches, without sorting them all on every keystroke. */
  function best(items, k) {
    var scores = new Float64Array(items.length);
    for (var i = 0; i < items.length; i++) scores[i] = -items[i][1];
    var lo = 0, hi = scores.length - 1;
    while (lo < hi) {                          // quickselect: scores[k - 1] is the k-th smallest of -score
      var pivot = scores[(lo + hi) >>> 1], a = lo, b = hi;
      while (a <= b) {
        while (scores[a] < pivot) a++;
        while (scores[b] > pivot) b--;
        if (a <= b) { var t = scores[a]; scores[a] = scores[b]; scores[b] = t; a++; b--; }
      }
      if (k - 1 <= b) hi = b; else if (k - 1 >= a) lo = a; else break;
    }
    var threshold = -scores[k - 1];
    return items.filter(function (it) { return it[1] >= threshold; });
  }

  // --- documents, quotes and their text --------------------------------------------

  /* Item n's text (a document's, or a quote's words), null until its file is in (asked for here). */
  function textOf(n) {
    var r = I.result(n);
    if (r === null) { I.needText(n); return null; }
    return r.text;
  }

  var tokenCache = new Map();
  function tokens(text) {
    var hit = tokenCache.get(text);
    if (hit) return hit;
    var out = [], m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text))) {
      var w = normalise(m[0]);
      if (!w) continue;
      out.push({ start: m.index, end: m.index + m[0].length, word: w, stem: isStop(w) ? null : stem(w) });
    }
    if (tokenCache.size > 400) tokenCache.clear();
    tokenCache.set(text, out);
    return out;
  }

  function phraseAt(toks, phrase) {
    var hits = [], ws = phrase.words;
    for (var i = 0; i + ws.length <= toks.length; i++) {
      var k = 0;
      while (k < ws.length && toks[i + k].word === ws[k]) k++;
      if (k === ws.length) hits.push(i);
    }
    return hits;
  }

  /* A phrase as a regular expression over folded, lowercased text: its words in order,
     whole words (only separators and punctuation around and between them), a
     possessive allowed. Cheap enough to check hundreds of documents per keystroke. */
  var NONWORD = "[^\\p{L}\\p{N}_]", SEPS = "[\\s\\-\\u2010-\\u2015\\u2212\\u2e3a\\u2e3b\\ufe58\\ufe63\\uff0d\\/]";
  function phraseRegex(ws) {
    var escaped = ws.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    var between = "(?:['\\u2019]s)?(?=" + NONWORD + "*" + SEPS + ")" + NONWORD + "+";
    return new RegExp("(?<=(?:^|" + SEPS + ")" + NONWORD + "*)" + escaped.join(between) +
      "(?=(?:['\\u2019]s)?" + NONWORD + "*(?:" + SEPS + "|$))", "u");
  }
  var folded = new Map();
  function foldedText(key, text) {
    var f = folded.get(key);
    if (f === undefined) {
      if (folded.size > 500) folded.clear();
      folded.set(key, f = fold(text.toLowerCase()));
    }
    return f;
  }

  /* Does item n hold every phrase? true, false, or null until its text is loaded (asked for here).
     A phrase without a field is looked for in what the result shows: a document's title and
     source, a quote's speaker, the text. (A quote by Vika Rodor holds both words of "vika
     rodor" in its speaker field, as speaker:rodor finds it: the phrase is there too.) */
  var SHOWN = { title: function (r) { return r.fragment ? "" : r.title; },
                source: function (r) { return r.fragment ? "" : r.source; },
                speakers: function (r) { return r.fragment ? r.speaker : ""; } };
  function hasPhrases(n, phrases) {
    if (!phrases.length) return true;
    var text = textOf(n);
    if (text === null) return null;
    return phrases.every(function (ph) {
      var re = ph.re || (ph.re = phraseRegex(ph.words));
      if (ph.field && ph.field !== "title" && ph.field !== "text") return true;   // words already required there
      var r = I.result(n);
      if ((!ph.field || ph.field === "text") && re.test(foldedText(n, text))) return true;
      return Object.keys(SHOWN).some(function (f) {
        var shown = (!ph.field || ph.field === f) && SHOWN[f](r);
        return !!shown && re.test(foldedText(f + n, shown));
      });
    });
  }

  /* Phrase matches in rank order, down the ranking until `want` of them are known in order
     (a page of results, and one more to tell whether there are more): the rest are checked
     when the reader asks for them. Texts are fetched for the best unchecked candidates first,
     a few files at a time (needText), so the first results come after a few small files; each
     item is checked once per query (the answers are kept while the phrases stay). Checked down
     the whole ranking, a phrase of a stop word and a common word ("the president") fetched the
     text of every item holding the word: at 100,000 documents, tens of thousands of files.
     The walk stops once `want` matches are known anywhere in it, not only in order: while
     one file is slow, the ones behind it keep arriving, and a walk that waited for matches in
     order went on asking down the ranking until the slow file came. */
  var checkedFor = { key: null, answers: new Map() };
  function withPhrases(items, phrases, want) {
    var key = JSON.stringify(phrases.map(function (ph) { return [ph.words, ph.field]; }));
    if (checkedFor.key !== key) checkedFor = { key: key, answers: new Map() };
    var answers = checkedFor.answers, shown = [], found = 0, unknown = 0, i;
    for (i = 0; i < items.length && found < want; i++) {
      var n = items[i][0], ok = answers.get(n);
      if (ok === undefined) {
        ok = hasPhrases(n, phrases);
        if (ok !== null) answers.set(n, ok);
      }
      if (ok === null) unknown++;
      else if (ok) { found++; if (!unknown) shown.push(items[i]); }
    }
    return { items: shown, found: found, complete: i >= items.length && unknown === 0, more: shown.length >= want };
  }

  // --- rendering --------------------------------------------------------------------

  function marked(text, toks, stemsWanted, phrases, from, to) {
    var frag = document.createDocumentFragment(), at = toks.length ? toks[from].start : 0, mark = {};
    for (var i = from; i < to; i++) if (toks[i].stem && stemsWanted.has(toks[i].stem)) mark[i] = 1;
    phrases.forEach(function (ph) {
      phraseAt(toks, ph).forEach(function (h) { for (var k = 0; k < ph.words.length; k++) mark[h + k] = 1; });
    });
    for (i = from; i < to; i++) {
      if (!mark[i]) continue;
      var t = toks[i], raw = text.slice(t.start, t.end);
      var s = t.start + LEAD.exec(raw)[0].length, e = t.end - TAIL.exec(raw)[0].length;
      if (s > at) frag.appendChild(document.createTextNode(text.slice(at, s)));
      var el = document.createElement("mark");
      el.textContent = text.slice(s, e);
      frag.appendChild(el);
      at = e;
    }
    var end = to > from ? toks[to - 1].end : text.length;
    if (end > at) frag.appendChild(document.createTextNode(text.slice(at, end)));
    return frag;
  }

  /* The window of `width` words showing the most of the query's different words (then the
     most matches), phrases counting most. stemsWanted: stem → which query word it serves. */
  function snippet(text, stemsWanted, phrases, width) {
    var toks = tokens(text), word = [], best = 0, bestScore = -1;
    for (var i = 0; i < toks.length; i++) word.push(toks[i].stem && stemsWanted.has(toks[i].stem) ? stemsWanted.get(toks[i].stem) : -1);
    var bonus = new Array(toks.length).fill(0);
    phrases.forEach(function (ph) { phraseAt(toks, ph).forEach(function (h) { bonus[h] += 1000; }); });
    var counts = {}, distinct = 0, hits = 0, extra = 0;
    for (i = 0; i < toks.length; i++) {
      if (word[i] >= 0) { hits++; if (!counts[word[i]]++) distinct++; }
      extra += bonus[i];
      if (i >= width) {
        var out = word[i - width];
        if (out >= 0) { hits--; if (!--counts[out]) distinct--; }
        extra -= bonus[i - width];
      }
      var score = extra + distinct * 100 + hits;
      if (score > bestScore) { bestScore = score; best = Math.max(0, i - width + 1); }
    }
    var from = Math.max(0, Math.min(best - 3, toks.length - width)), to = Math.min(toks.length, from + width);
    var p = document.createElement("p");
    p.className = "search-snippet";
    if (from > 0) p.appendChild(document.createTextNode("… "));
    p.appendChild(marked(text, toks, stemsWanted, phrases, from, to));
    if (to < toks.length) p.appendChild(document.createTextNode(" …"));
    return p;
  }

  /* Result n in `li`: its title (a link), source and date, and a snippet; a placeholder until its text file is in. */
  function render(li, n, stemsWanted, phrases) {
    var r = I.result(n);
    li.textContent = "";
    li.setAttribute("data-ref", n.toString(36));
    if (r === null) {
      I.needText(n);
      li.setAttribute("data-pending", "");
      li.className = "search-pending";
      li.textContent = "…";
      return false;
    }
    li.removeAttribute("data-pending");
    li.className = "";
    var a = document.createElement("a");
    a.className = "search-title";
    a.href = r.href + (r.fragment ? "#" + encodeURIComponent(r.fragment) : "");
    if (r.fragment) {
      var label = document.createElement("span");
      label.className = "search-kind";
      label.textContent = r.speaker ? "Quote · " + r.speaker : "Quote";
      li.appendChild(label);
      li.appendChild(document.createTextNode(" "));
      a.textContent = r.title;
    } else {
      a.appendChild(marked(r.title, tokens(r.title), stemsWanted, phrases, 0, tokens(r.title).length));
    }
    li.appendChild(a);
    var meta = document.createElement("p");
    meta.className = "search-meta";
    meta.textContent = r.source || "Source unknown";
    meta.appendChild(document.createTextNode(" · "));
    if (r.date) {
      var time = document.createElement("time");
      time.setAttribute("datetime", r.datetime);
      time.textContent = r.date;
      meta.appendChild(time);
    } else meta.appendChild(document.createTextNode("date unknown"));
    li.appendChild(meta);
    li.appendChild(snippet(r.text, stemsWanted, phrases, r.fragment ? 60 : 32));
    return true;
  }

  // --- the page -------------------------------------------------------------------------

  var input, status, list, more, current = { query: null, shown: PAGE, eager: false }, firstShown = false;
  var typed = false;     // a query from the address is complete; one being typed gets its last word completed

  function say(text, state, query) {
    if (status.textContent !== text) status.textContent = text;
    status.setAttribute("data-state", state);
    status.setAttribute("data-query", query);
  }

  function run() {
    var query = input.value;
    if (query !== current.query) current = { query: query, shown: PAGE, eager: false };
    if (I.broken()) return say("The search index could not be loaded.", "error", query);
    if (!I.ready()) return say("Loading the search index…", "loading", query);
    var p = plan(query, typed);
    if (p.pending) return say("Searching…", "loading", query);
    if (!p.words.some(function (w) { return !w.negate; })) {
      list.textContent = "";
      more.hidden = true;
      var odd = /\S/.test(query) && !p.phrases.length;
      var msg = !/\S/.test(query) ? "" : odd ? "No searchable words in the query." :
        "That phrase has only very common words; add a rarer one.";
      return say(msg, "done", query);
    }
    eager = current.eager;
    var limit = p.phrases.length ? Infinity : current.shown;       // a phrase: ranked whole, checked a page at a time
    var ranked = rank(p, limit);
    if (!eager && ranked.partial && !ranked.items.length) { eager = current.eager = true; ranked = rank(p, limit); }
    if (ranked.pending) return say("Searching…", "loading", query);
    var items = ranked.items;
    var complete = true, found = ranked.count, beyond = false;
    if (p.phrases.length) {
      var checked = withPhrases(items, p.phrases, current.shown + 1);
      items = checked.items;
      complete = checked.complete;
      found = checked.found;
      beyond = checked.more;     // more matches than are shown, the rest of the ranking not checked
    }
    var wanted = new Map();
    p.words.forEach(function (w, k) {
      if (!w.negate) Object.keys(w.expand).forEach(function (pos) { wanted.set(I.termAt(+pos), k); });
    });
    if (!eager && ranked.partial && complete && !found) { eager = current.eager = true; return schedule(); }
    var shownFirst = show(items, p.phrases.length ? items.length : found, wanted, p.phrases);
    if (shownFirst && !current.eager && ranked.partial) { current.eager = true; schedule(); }   // now the rest
    // Results on screen for this query (maybe not all yet): the first one's title and snippet, or none.
    if (shownFirst || !items.length) status.setAttribute("data-shown", query);
    if (shownFirst && !firstShown && window.performance && performance.mark) {
      firstShown = true;
      performance.mark("glossator-first-result");      // read by benchmarks/search_bench.py
    }
    var note = p.truncated ? " (only the first " + MAX_WORDS + " words and " + MAX_CHARS + " characters are searched)" : "";
    if (ranked.partial) return say(found + " results so far; searching…", "loading", query);
    var pendingText = list.querySelector("[data-pending]");
    if (beyond) return say("More than " + current.shown + " results" + note + ".", pendingText ? "loading" : "done", query);
    if (!complete) return say(found + " results so far; checking the phrase…", "loading", query);
    say((found === 1 ? "1 result" : found + " results") + note + ".", pendingText ? "loading" : "done", query);
  }

  /* The first page of results (of `total`). A result already on screen for the same item and the same
     words is left as it is, unless it was waiting for its text file: a query runs again as
     each index file arrives, and those runs should cost next to nothing. True if the first
     result is on screen (not a placeholder). */
  function show(items, total, wanted, phrases) {
    var n = Math.min(items.length, current.shown);
    var words = JSON.stringify([Array.from(wanted), phrases.map(function (ph) { return ph.words; })]);
    while (list.children.length > n) list.removeChild(list.lastChild);
    for (var i = 0; i < n; i++) {
      var li = list.children[i];
      if (!li) { li = document.createElement("li"); list.appendChild(li); }
      var key = items[i][0] + " " + words;
      if (li.glossatorKey === key && !li.hasAttribute("data-pending")) continue;
      render(li, items[i][0], wanted, phrases);
      li.glossatorKey = key;
    }
    more.hidden = total <= n;
    return n > 0 && !list.children[0].hasAttribute("data-pending");
  }

  function runSafely() {
    try { run(); } catch (e) { say("Search failed: " + e.message, "error", input.value); }
    eager = true;
  }
  /* A run as soon as the page is free: runs asked for while one is waiting are one run. */
  var scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(function () { scheduled = false; runSafely(); }, 0);
  }

  function start() {
    input = document.getElementById("q");
    status = document.getElementById("search-status");
    list = document.getElementById("search-results");
    if (!input || !status || !list) return;
    more = document.createElement("button");
    more.type = "button";
    more.className = "search-more";
    more.textContent = "Show more results";
    more.hidden = true;
    more.addEventListener("click", function () { current.shown += PAGE; schedule(); });
    list.parentNode.insertBefore(more, list.nextSibling);
    var params = new URLSearchParams(location.search);
    if (params.has("q")) input.value = params.get("q");
    var box = document.getElementById("site-search");
    if (box && params.has("q")) box.value = params.get("q");
    started = true;
    // The address follows the query once typing pauses: history.replaceState costs ~3 ms
    // of the main thread from file://, on every keystroke.
    var addressTimer = 0;
    input.addEventListener("input", function () {
      typed = true;
      runSafely();     // in the keystroke's own task: a task queued behind index files could wait ~10 ms
      clearTimeout(addressTimer);
      addressTimer = setTimeout(function () {
        try { history.replaceState(null, "", "?q=" + encodeURIComponent(input.value)); } catch (e) { /* file:// may refuse */ }
      }, ADDRESS_DELAY);
    });
    if (input.form) input.form.addEventListener("submit", function (ev) { ev.preventDefault(); schedule(); });
    schedule();
    warmUp();
  }

  /* Before the first query, while the page is idle: the first postings of the most frequent
     term, read once, so that the code which loads and scores postings has run before the
     reader's first word needs it (its first run costs several times the next). */
  var warmDone, warmed = new Promise(function (resolve) { warmDone = resolve; });
  function warmUp() {
    if (!window.requestIdleCallback) return warmDone();
    requestIdleCallback(function () {
      if (!I.ready() && !I.broken()) return warmUp();
      var best = I.ready() ? I.head().warm : -1;
      if (I.broken() || input.value || best < 0) return warmDone();
      (function attempt() {
        if (I.broken() || input.value) return warmDone();
        if (!I.block(best)) return I.whenIdle(attempt);
        var expand = {};
        expand[best] = EXACT;
        if (I.tier(best, 0, false) === null) return I.whenIdle(attempt);
        scoreWord({ field: null, negate: false, expand: expand }, false);    // what is in: no further tiers
        warmDone();
      })();
    }, { timeout: 2000 });
  }

  I.listen(function (now) { if (started) { if (now) runSafely(); else schedule(); } });
  window.GlossatorSearch = {
    words: words, terms: terms, stem: stem, normalise: normalise, parse: parse,
    /* For tests and benchmarks: results once all the postings they need are in. */
    search: function (q) {
      return settle(function () { var r = rank(plan(q, true)); return r.pending || r.partial ? null : r.items; });
    },
    /* Each word of q: its index terms with boosts, its fields, and its score per item. */
    explain: function (q) {
      return settle(function () {
        var p = plan(q, true), out = [];
        if (p.pending) return null;
        for (var i = 0; i < p.words.length; i++) {
          var w = p.words[i], scores = scoreWord(w);
          if (scores === null || scores.partial) return null;
          var expand = {};
          Object.keys(w.expand).forEach(function (pos) { expand[I.termAt(+pos)] = w.expand[pos]; });
          out.push({ word: w.word, fields: w.field ? [w.field] : I.head().fields, expand: expand,
            scores: scores.items.map(function (n) { return [n, scores.score.get(n)]; }) });
        }
        return out;
      });
    },
    ready: function () { return I.ready(); },
    /* For tests that hold index files back: resolves once the idle warm-up has run (or was not needed). */
    warmed: function () { return warmed; }
  };
  start();
})();
