/** Erlang C: the probability an arrival waits in an M/M/c queue with offered load a = λ/μ. */
export function erlangC(servers: number, load: number): number {
  let term = 1;
  let sum = 0;
  for (let k = 0; k < servers; k++) {
    if (k > 0) term *= load / k;
    sum += term;
  }
  const last = ((term * load) / servers) * (servers / (servers - load));
  return last / (sum + last);
}
