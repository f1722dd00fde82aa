// Expected token ids for tests/unit/test_bpe_gpt2.c, from the reference encoder.
// Run by scripts/gpt2_fixture.sh: node gpt2_fixture.js PKG_DIR GSM8K_DIR OUT_DIR WORK_DIR
'use strict';
const fs = require('fs');
const path = require('path');

const [pkgDir, gsm8kDir, outDir, workDir] = process.argv.slice(2);
const encoder = require(path.resolve(pkgDir));
const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'))).version;
const origin = `gpt-3-encoder ${version}, node ${process.version} (Unicode ${process.versions.unicode})`;
fs.mkdirSync(outDir, { recursive: true });

function encodeChecked(enc, text) {
  const ids = enc.encode(text);
  for (const id of ids)
    if (!Number.isInteger(id)) throw new Error(`no id for a token of ${JSON.stringify(text)}`);
  // The reference decodes with TextDecoder, which drops a leading U+FEFF (a byte order mark).
  const back = enc.decode(ids);
  if (back !== text && !(text.startsWith('\ufeff') && back === text.slice(1)))
    throw new Error(`no round trip: ${JSON.stringify(text)}`);
  return ids;
}

// FNV-1a (64-bit) over each id as four little-endian bytes: tests/unit/test_bpe_gpt2.c
// computes the same.
function fnv1a(ids) {
  let h = 0xcbf29ce484222325n;
  for (const id of ids)
    for (let k = 0; k < 4; k++) {
      h ^= BigInt((id >>> (8 * k)) & 255);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  return h.toString(16).padStart(16, '0');
}

// ---- every GSM8K record: question ids, answer ids, hash of both ------------------------------
const lines = [
  `# GPT-2 token ids of every GSM8K record, from ${origin}.`,
  '# Written by scripts/gpt2_fixture.sh. One line per record, in file order: the number of ids',
  '# of the question, of the answer, and the FNV-1a 64 hash of the ids of both (each id as four',
  '# little-endian bytes, the question first).',
];
for (const split of ['train', 'test']) {
  const records = fs.readFileSync(path.join(gsm8kDir, `${split}.jsonl`), 'utf-8')
    .split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  lines.push(`split ${split} ${records.length}`);
  for (const r of records) {
    const q = encodeChecked(encoder, r.question), a = encodeChecked(encoder, r.answer);
    lines.push(`${q.length} ${a.length} ${fnv1a(q.concat(a))}`);
  }
}
fs.writeFileSync(path.join(outDir, 'gsm8k.txt'), lines.join('\n') + '\n');

// ---- adversarial text: full ids ----------------------------------------------------------------
const rep = (s, n) => s.repeat(n);
const cases = [
  // whitespace runs, trailing spaces, tabs, line ends
  '', ' ', '  ', '   ', 'a', ' a', '  a', '   a', 'a ', 'a  ', 'a   ', 'a b', 'a  b', 'a   b',
  '\n', '\n\n', '\n\n ', '\n\n a', 'a\n\n b', ' \n \n ', 'a \n', 'a\n ', '\t', '\t\t', '\t\t x',
  'a\t\tb', 'a\t b', 'x \t\n y', 'trailing spaces   ', '   leading spaces', '\r\n', 'a\r\n\r\nb',
  '\u000b\u000c', 'end\n', 'end\n\n', ' \t \t', '\n \n', rep(' ', 40) + 'x', 'x' + rep(' ', 40),
  rep('\n', 30), rep('\t', 20) + 'tab',
  // contractions, upper case, quotes
  "I'm", "you're", "we've", "he'll", "she'd", "it's", "don't", "can't", "IT'S", "I'M", "YOU'RE",
  "WE'VE", "HE'LL", "SHE'D", "DON'T", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T",
  "'s'", "''s", "'ll've", "y'all'd've", "rock 'n' roll", "O'Neil's", "Jones'", " 's", " 'll",
  "it\u2019s", "'sa", "'tis", "'56", "' s", "a's b's", "ca'n't",
  // digits and long numbers
  '0', '7', '42', '123', '1234', '12345', '1234567890', '3.14159', '1,000,000', '-42', '+7',
  '1e10', '0x1F', '2024-01-31', '12:30', '$1.50', '50%', '10,000.00', rep('9', 100),
  '12345678901234567890123456789', 'a1b2c3', 'abc123def', ' 123 456', '1 2 3', '1  2',
  '\u00bd \u2153 \u216b \u00b2 \u0663 \u0968', '\uff11\uff12\uff13', '\ud835\udfd8\ud835\udfd9',
  // punctuation runs, calculator annotations, code-like text
  '!!!', '?!?!', '...', '--->', '<<3+4=7>>7', '#### 72', '(a)[b]{c}', '"quoted"', "'single'",
  'a,b;c:d', '@#$%^&*', '","', '",",', "','", '"],["', '"),("', '{"a":[1,2],"b":"c"}',
  'x = f(y) + g[z];', 'if (a && b) { return -1; }', '<|endoftext|>', 'a<|endoftext|>b', '<sep>',
  'http://example.com/path?q=1&r=2', 'user@example.com', '\\n', '~~~', '___init___', ' !', ' !!',
  // emoji and other astral characters
  '\ud83d\ude00', 'a\ud83d\ude00b', ' \ud83d\ude00\ud83d\ude00 \ud83d\ude00', '\ud83d\udc4d\ud83c\udffd',
  '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66', '\ud83c\uddeb\ud83c\uddf7',
  '\ud83e\udd16 robots', '\ud835\udd18\ud835\udd2b\ud835\udd26', '\ud800\udf48', '\ud80c\udc00',
  '\ud83c\udc04', rep('\ud83d\ude00', 50), '\u2764\ufe0f', '\u00a9\u00ae\u2122',
  // combining marks
  'e\u0301', 'n\u0303o', 'a\u0300\u0301\u0302', ' \u0301', '\u0301\u0301', 'Z\u0324\u0354\u0367\u0311a\u0308',
  '\u0915\u094d\u0937\u093f', '\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22', '\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd',
  'caf\u00e9 cafe\u0301', '\u1100\u1161\u11a8',
  // CJK and other scripts
  '\u4e2d\u6587\u5b57\u7b26', '\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8', '\u30ab\u30bf\u30ab\u30ca',
  '\ud55c\uad6d\uc5b4', ' \u4e2d \u6587', '\u4e2d\u6587123abc', '\u4e2d\u3002\u6587\uff01',
  '\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!', '\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645',
  '\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac', '\u00c5ngstr\u00f6m', 'na\u00efve r\u00e9sum\u00e9', '\u00df\u1e9e',
  // NBSP and other Unicode spaces, and near-spaces that are not
  'a\u00a0b', 'a\u00a0\u00a0 b', '\u00a0', ' \u00a0', '\u00a0 ', 'a \u00a0', '\u2000\u2001\u2002x',
  '\u3000\u5168\u89d2', 'a\u202fb', 'a\u205fb', 'a\u1680b', 'a\u2028b', 'a\u2029b', 'a \u2029 b',
  '\ufeffBOM', 'a\ufeff b', 'a \ufeff', '\u0085 NEL', 'a\u0085b', 'a \u0085', '\u180e x', 'a\u180eb',
  'a\u200bb', 'a\u200d b', 'soft\u00adhyphen', 'a\u2009b', 'a\u200ab', 'x\u2007\u2008y',
  // control characters
  '\u0000', 'a\u0000b', '\u0001\u001f\u007f', '\u0080\u009f', '\u001b[31mred\u001b[0m',
  // ordinary sentences
  'Hello, world!', 'The quick brown fox jumps over the lazy dog.', 'Natalia sold 48/2 = <<48/2=24>>24 clips in May.',
  'Question: What is 2 + 2?\nAnswer: 4', 'He said, "It\'s fine."\n\nShe didn\'t agree.',
  // long pieces
  rep('a', 1000), rep('ab', 500), rep('1', 1000), rep(' ', 1000) + 'x', rep('!', 500),
  rep('\u4e2d', 300), rep('e\u0301', 200),
];

// Seeded random strings over a pool of characters that exercise every branch of the rule.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pool = Array.from("aZe9 0 \n\t'sltdmrv.,!?-\"" ).concat(['  ', "'s", "'ll", "'D", '12', 'the',
  '\u00a0', '\u2009', '\u3000', '\ufeff', '\u0085', '\u180e', '\u2028', '\u00e9', '\u0301', '\u4e2d',
  '\ud83d\ude00', '\ud835\udfd8', '\u216b', '\u0663', '\u200d', '\u00ad', '\u0000', '\u007f', 'Ω',
  '\u0915\u094d']);
const random = mulberry32(20240501);
for (let i = 0; i < 400; i++) {
  const len = 1 + Math.floor(random() * 24);
  let s = '';
  for (let k = 0; k < len; k++) s += pool[Math.floor(random() * pool.length)];
  cases.push(s);
}

// "utf8" is the text's bytes in hex, which a C test reads whole (a JSON string with \u0000 in
// it does not survive cJSON); "text" is there to be read by people.
const withIds = (enc) => (text) =>
  ({ text, utf8: Buffer.from(text, 'utf8').toString('hex'), ids: encodeChecked(enc, text) });
const adversarial = cases.map(withIds(encoder));
fs.writeFileSync(path.join(outDir, 'adversarial.json'),
  '[\n' + adversarial.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');

// ---- the reference's reading of merges, on a vocabulary made to show it -------------------------
// The reference looks a pair up by `left + "," + right`, so with the merges '" ,', ', "' and
// '" ,"' the pair ('",', '"') reads as the third merge. GPT-2's files never reach such a pair.
const byteChars = (() => {
  const keep = [];
  for (let b = 0; b < 256; b++)
    if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) keep.push(b);
  const chars = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) chars[b] = String.fromCharCode(keep.includes(b) ? b : 256 + n++);
  return chars;
})();
const commaDir = path.join(outDir, 'comma');
const commaPkg = path.join(workDir, 'comma');
fs.mkdirSync(commaDir, { recursive: true });
fs.mkdirSync(commaPkg, { recursive: true });
const vocab = {};
byteChars.forEach((c, b) => { vocab[c] = b; });
['",', ',"', '","'].forEach((t, i) => { vocab[t] = 256 + i; });
fs.writeFileSync(path.join(commaDir, 'encoder.json'), JSON.stringify(vocab));
fs.writeFileSync(path.join(commaDir, 'vocab.bpe'), '#version: 0.2\n" ,\n, "\n" ,"\n');
for (const f of ['encoder.json', 'vocab.bpe']) fs.copyFileSync(path.join(commaDir, f), path.join(commaPkg, f));
fs.copyFileSync(path.join(pkgDir, 'Encoder.js'), path.join(commaPkg, 'Encoder.js'));
const comma = require(path.resolve(commaPkg, 'Encoder.js'));
const commaCases = ['","', '",",', 'a","b', '"",""', '",",","', ',"', '",'].map(withIds(comma));
fs.writeFileSync(path.join(commaDir, 'expected.json'),
  '[\n' + commaCases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');
console.log(`wrote the fixtures in ${outDir} (${origin})`);
