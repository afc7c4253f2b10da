// Creates COUNT Flunders named PREFIX-1 .. PREFIX-COUNT in BASE (a namespace's flunders URL) with
// 16 connections; fails (exit 99) unless every create answers 201.
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';

export const options = {
  insecureSkipTLSVerify: true,
  discardResponseBodies: true,
  thresholds: { checks: ['rate==1'] },
  scenarios: {
    populate: { executor: 'shared-iterations', vus: 16, iterations: Number(__ENV.COUNT), maxDuration: '10m' },
  },
};

export default function () {
  const n = exec.scenario.iterationInTest + 1;
  const res = http.post(__ENV.BASE,
    `{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"${__ENV.PREFIX}-${n}"},"spec":{"reference":"r${n}"}}`,
    { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${__ENV.TOKEN}` } });
  check(res, { created: (r) => r.status === 201 });
}
