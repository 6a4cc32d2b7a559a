'use strict';
/*
 * Generates Atlassian Connect query-string-hash (qsh) test vectors with the
 * reference npm implementation `atlassian-jwt` (version pinned in package.json).
 *
 * Each vector is computed by atlassian-jwt itself:
 *   req       = jwt.fromMethodAndUrl(method, url)            // url.parse(url, true)
 *   canonical = jwt.createCanonicalRequest(req, false, baseUrl)
 *   qsh       = jwt.createQueryStringHash(req, false, baseUrl)
 * where baseUrl = BASE_ORIGIN + basePath (only the path of baseUrl matters).
 *
 * Output: ../../resources/connect/qsh-vectors.json (relative to this folder).
 * Usage:  npm ci && node generate.js
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const jwt = require('atlassian-jwt');

const BASE_ORIGIN = 'https://example.atlassian.net';
const OUTPUT = path.resolve(__dirname, '..', '..', 'resources', 'connect', 'qsh-vectors.json');

const JQL = 'jql=project%20%3D%20ABC%20AND%20summary%20~%20%22a%2Bb%22&maxResults=50&fields=summary,status';
const DOC_EXAMPLE_CANONICAL =
  'GET&/path/to/service&first=param&repeated=parameter%201,parameter%202&zee_last=param';

// [name, method, url (raw path + raw query as on the wire), basePath ('' = no context path)]
const CASES = [
  // --- method case ---
  ['method-lower-get', 'get', '/rest/api/2/myself', ''],
  ['method-mixed-Get', 'Get', '/rest/api/2/myself?expand=groups', ''],
  ['method-POST', 'POST', '/rest/api/2/issue', ''],
  ['method-lower-delete', 'delete', '/rest/api/2/issue/ABC-1?deleteSubtasks=true', ''],
  ['method-PUT', 'PUT', '/rest/api/2/issue/ABC-1?notifyUsers=false', ''],
  ['method-lower-patch', 'patch', '/rest/api/2/thing/1?a=1', ''],

  // --- context paths ---
  ['ctx-none', 'GET', '/rest/api/2/myself', ''],
  ['ctx-jira', 'GET', '/jira/rest/api/2/myself', '/jira'],
  ['ctx-apps', 'GET', '/apps/outlook-to-jira/panel/issue?issueKey=ABC-1', '/apps/outlook-to-jira'],
  ['ctx-apps-jira', 'GET', '/apps/outlook-to-jira/jira/rest/api/2/myself', '/apps/outlook-to-jira/jira'],
  ['ctx-path-equals-base-jira', 'GET', '/jira', '/jira'],
  ['ctx-path-equals-base-apps-with-query', 'GET', '/apps/outlook-to-jira?a=1', '/apps/outlook-to-jira'],
  ['ctx-path-equals-base-apps-jira', 'POST', '/apps/outlook-to-jira/jira', '/apps/outlook-to-jira/jira'],
  ['ctx-path-equals-base-plus-slash', 'GET', '/jira/', '/jira'],
  ['ctx-path-equals-base-plus-two-slashes', 'GET', '/jira//', '/jira'],
  ['ctx-prefix-not-segment-aware', 'GET', '/jiraX/a', '/jira'],
  ['ctx-path-outside-base', 'GET', '/rest/api/2/myself', '/jira'],
  ['ctx-base-with-trailing-slash', 'GET', '/jira/rest/api/2/myself', '/jira/'],
  ['ctx-base-with-trailing-slash-path-equals-base-without', 'GET', '/jira', '/jira/'],

  // --- trailing slashes / empty path ---
  ['path-root', 'GET', '/', ''],
  ['path-trailing-slash-one', 'GET', '/rest/api/2/myself/', ''],
  ['path-trailing-slash-two', 'GET', '/rest/api/2/myself//', ''],
  ['path-trailing-slash-two-ctx', 'GET', '/jira/rest/api/2/myself//?a=1', '/jira'],
  ['path-double-slash-only', 'GET', '//', ''],
  ['path-empty-with-query', 'GET', '?a=1', ''],
  ['path-empty-no-query', 'GET', '', ''],

  // --- encoded and unicode query values ---
  ['q-value-pct20', 'GET', '/search?q=a%20b', ''],
  ['q-value-plus-is-space', 'GET', '/search?q=a+b', ''],
  ['q-value-pct2B', 'GET', '/search?q=a%2Bb', ''],
  ['q-value-pct2F-and-raw-slash-question', 'GET', '/search?p=a%2Fb&r=a/b?c', ''],
  ['q-value-e-acute', 'GET', '/search?q=caf%C3%A9', ''],
  ['q-value-euro', 'GET', '/search?q=%E2%82%AC10', ''],
  ['q-value-emoji', 'GET', '/search?q=%F0%9F%98%80', ''],
  ['q-value-raw-star-tilde-quote-bang-parens', 'GET', "/search?q=*~'!()", ''],
  ['q-value-encoded-2A-7E', 'GET', '/search?q=%2A%7E', ''],
  ['q-value-lowercase-hex', 'GET', '/search?q=%c3%a9%2a%7e', ''],
  ['q-value-reserved-chars', 'GET', '/search?q=%3A%40%24%3B%23%5B%5D', ''],

  // --- repeated parameters ---
  ['rep-b2-a1-b1', 'GET', '/r?b=2&a=1&b=1', ''],
  ['rep-values-differ-in-case', 'GET', '/r?v=b&v=B&v=a&v=A', ''],
  ['rep-identical-values', 'GET', '/r?a=1&a=1', ''],
  ['rep-numeric-values-lexical', 'GET', '/r?n=10&n=9&n=1', ''],
  ['rep-values-raw-vs-encoded-order', 'GET', '/r?v=a%2F&v=a.', ''],
  ['rep-values-bmp-vs-astral', 'GET', '/r?v=%F0%9F%98%80&v=%EF%BC%A1', ''],
  ['rep-values-with-empty-and-flag', 'GET', '/r?a=x&a=&a', ''],
  ['rep-values-space-vs-plus', 'GET', '/r?v=a%2Bb&v=a+b&v=a%20c', ''],

  // --- empty values / flags / empty query ---
  ['q-empty-value', 'GET', '/r?a=&b=1', ''],
  ['q-bare-flag', 'GET', '/r?flag&b=1', ''],
  ['q-bare-flag-only', 'GET', '/r?flag', ''],
  ['q-empty-query-string', 'GET', '/r?', ''],
  ['q-empty-segments', 'GET', '/r?a=1&&b=2&', ''],

  // --- jwt parameter ---
  ['jwt-only', 'GET', '/r?jwt=eyJhbGciOiJIUzI1NiJ9.e30.sig', ''],
  ['jwt-among-others', 'GET', '/jira/r?b=2&jwt=eyJhbGciOiJIUzI1NiJ9.e30.sig&a=1', '/jira'],
  ['jwt-uppercase-name-kept', 'GET', '/r?JWT=x&a=1', ''],
  ['jwt-repeated', 'GET', '/r?jwt=a&x=1&jwt=b', ''],
  ['jwt-encoded-name', 'GET', '/r?jw%74=x&a=1', ''],

  // --- parameter name sort order and name encoding ---
  ['sort-mixed-case-names', 'GET', '/r?a=1&_=2&B=3&A=4&b=5', ''],
  ['sort-name-prefixes', 'GET', '/r?ab=1&a=2&a_=3&a-=4', ''],
  ['name-needs-encoding-space-plus', 'GET', '/r?a%20b=1&a%2Bb=2&a+c=3', ''],
  ['name-non-ascii', 'GET', '/r?caf%C3%A9=1&cafe=2&caf~=3', ''],
  ['name-slash-vs-dot', 'GET', '/r?a.=1&a%2F=2', ''],
  ['name-colon-vs-digit', 'GET', '/r?a5=1&a:=2', ''],
  ['name-star', 'GET', '/r?a*=1&a=2', ''],

  // --- path contents ---
  ['path-ampersand-encoded', 'GET', '/rest/api/2/issue/A%26B?x=1', ''],
  ['path-ampersand-raw', 'GET', '/rest/api/2/issue/A&B?x=1', ''],
  ['path-encoded-chars', 'GET', '/jira/rest/api/2/user/caf%C3%A9%20x%3Aa%2Bb?x=1', '/jira'],
  ['path-lowercase-hex-kept', 'GET', '/p/%c3%a9', ''],
  ['path-raw-specials', 'GET', "/p/it's!(x)*~", ''],
  ['path-plus-kept', 'GET', '/p/a+b', ''],

  // --- realistic requests and values ---
  ['jql-search', 'GET', '/rest/api/2/search?' + JQL, ''],
  ['jql-search-ctx-with-jwt', 'GET', '/jira/rest/api/2/search?' + JQL + '&jwt=abc.def.ghi', '/jira'],
  ['value-with-comma', 'GET', '/r?fields=summary,status', ''],
  ['value-comma-vs-repeated', 'GET', '/r?fields=summary&fields=status', ''],
  ['value-with-equals', 'GET', '/r?a=b=c&d==', ''],
  ['doc-example', 'GET', '/path/to/service?zee_last=param&repeated=parameter%201&first=param&repeated=parameter%202', ''],

  // --- malformed / unusual input (peers may differ) ---
  ['odd-empty-name', 'GET', '/r?=x&a=1', ''],
  ['odd-malformed-percent', 'GET', '/r?a=%zz&b=1', ''],
  ['odd-invalid-utf8', 'GET', '/r?a=%FF&b=1', ''],
  ['odd-truncated-utf8', 'GET', '/r?a=%E2%82&b=1', ''],
  ['odd-proto-name', 'GET', '/r?__proto__=x&a=1', ''],
];

function sha256Hex(s) {
  return crypto.createHash('sha256').update(s, 'utf8').digest('hex');
}

function main() {
  const seen = new Set();
  const out = CASES.map(([name, method, url, basePath]) => {
    if (seen.has(name)) throw new Error('duplicate case name ' + name);
    seen.add(name);
    const baseUrl = BASE_ORIGIN + basePath;
    const req = jwt.fromMethodAndUrl(method, url);
    const canonical = jwt.createCanonicalRequest(req, false, baseUrl);
    const qsh = jwt.createQueryStringHash(req, false, baseUrl);
    if (qsh !== sha256Hex(canonical)) throw new Error('qsh is not sha256(canonical) for ' + name);
    return { name, method, url, basePath, canonical, qsh };
  });

  const doc = out.find((v) => v.name === 'doc-example');
  if (doc.canonical !== DOC_EXAMPLE_CANONICAL) {
    throw new Error('doc example mismatch: ' + doc.canonical);
  }

  fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
  fs.writeFileSync(OUTPUT, JSON.stringify(out, null, 2) + '\n');
  console.log(`atlassian-jwt ${jwt.version}: wrote ${out.length} vectors to ${OUTPUT}`);
}

main();
