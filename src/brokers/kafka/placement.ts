/**
 * Where each partition's replicas live: Kafka's rack-unaware default
 * assignment (AdminUtils.assignReplicasToBrokersRackUnaware), with its random
 * start index and replica shift fixed at 0 so placement is the same in every
 * run. Partition p's first replica, its preferred leader, is broker p mod n;
 * the followers come after it, shifted by one more every n partitions so that
 * followers spread out too. Brokers are numbered from 0 here (broker/1 in a
 * scenario is broker 0).
 */
export function assignReplicas(partitions: number, brokers: number, replicationFactor: number): Int32Array[] {
  const assignment: Int32Array[] = [];
  let shift = 0;
  for (let partition = 0; partition < partitions; partition++) {
    if (partition > 0 && partition % brokers === 0) shift++;
    const first = partition % brokers;
    const replicas = new Int32Array(replicationFactor);
    replicas[0] = first;
    for (let j = 0; j < replicationFactor - 1; j++) {
      replicas[j + 1] = (first + 1 + ((shift + j) % (brokers - 1))) % brokers;
    }
    assignment.push(replicas);
  }
  return assignment;
}
