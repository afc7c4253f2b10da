// k6 at a fixed arrival rate (the constant-arrival-rate executor starts requests on schedule,
// whatever the server's latency, so slow answers are not hidden as wrk's closed loop hides them).
// The same request shapes as the wrk scripts. Environment: BASE (the .../namespaces/ URL prefix),
// SCENARIO (get, list, list-table, create, update, apply), RATE (requests/s), DURATION (s),
// TOKEN, RUN (a prefix that keeps names of this run apart), OUT (the summary JSON file).
import http from 'k6/http';
import exec from 'k6/execution';

const base = __ENV.BASE;
const scenario = __ENV.SCENARIO;
const run = __ENV.RUN || 'r';
const auth = { Authorization: `Bearer ${__ENV.TOKEN}` };

export const options = {
  insecureSkipTLSVerify: true,
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'p(50)', 'p(90)', 'p(99)', 'p(99.9)', 'max'],
  scenarios: {
    fixed: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE),
      timeUnit: '1s',
      duration: `${__ENV.DURATION}s`,
      preAllocatedVUs: 32,
      maxVUs: 256,
    },
  },
};

const labels = Array.from({ length: 48 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  return `"label-${n}":"value-${n}"`;
}).join(',');

export default function () {
  const i = exec.scenario.iterationInTest;
  let res;
  switch (scenario) {
    case 'get':
      res = http.get(`${base}bench/flunders/obj-500`, { headers: auth });
      break;
    case 'list':
      res = http.get(`${base}bench/flunders`, { headers: auth });
      break;
    case 'list-table':
      res = http.get(`${base}bench/flunders`, {
        headers: Object.assign({ Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }, auth) });
      break;
    case 'create':
      res = http.post(`${base}writes/flunders`,
        `{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"k6-${run}-${i}","labels":{"bench":"create"}},"spec":{"reference":"r${i}"}}`,
        { headers: Object.assign({ 'Content-Type': 'application/json' }, auth) });
      break;
    case 'update':
      res = http.patch(`${base}bench/flunders/obj-${(i % 1000) + 1}`, `{"spec":{"reference":"k6-${run}-${i}"}}`,
        { headers: Object.assign({ 'Content-Type': 'application/merge-patch+json' }, auth) });
      break;
    case 'apply': {
      const name = `apply-${i % 100}`;
      res = http.patch(`${base}writes/flunders/${name}?fieldManager=bench`,
        `{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"${name}","labels":{${labels}}},"spec":{"reference":"k6-${run}-${i}","referenceType":"Fischer"}}`,
        { headers: Object.assign({ 'Content-Type': 'application/apply-patch+yaml' }, auth) });
      break;
    }
    default:
      throw new Error(`unknown SCENARIO ${scenario}`);
  }
}

export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify(data) };
}
