#!/usr/bin/env bash
# Fetches the Apache Kafka server jars (kafka.Kafka, kafka.tools.StorageTool) and their runtime
# dependencies from Maven Central with Maven, plus a log4j2 binding for slf4j, into
#   ${QUEUESIM_CACHE:-$HOME/.cache/queuesim}/kafka-<version>/lib
# and prints that folder. With the cache present it downloads nothing and returns at once.
# Needs only Java 17+ and Maven. Override the version with QUEUESIM_KAFKA_VERSION (4.x).
set -euo pipefail

version="${QUEUESIM_KAFKA_VERSION:-4.4.0}"
cache="${QUEUESIM_CACHE:-$HOME/.cache/queuesim}"
home="$cache/kafka-$version"
lib="$home/lib"

if [[ -f "$home/.complete" ]]; then
  echo "$lib"
  exit 0
fi

command -v mvn >/dev/null || { echo "fetch-jars.sh: mvn (Maven) is needed" >&2; exit 1; }
mkdir -p "$home"
work="$(mktemp -d "$home/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>queuesim.conformance</groupId>
  <artifactId>kafka-server-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
POM

echo "fetch-jars.sh: resolving org.apache.kafka:kafka_2.13:$version with Maven..." >&2
(cd "$work" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$work/lib") >&2

# Kafka logs through slf4j 1.x to log4j2 (log4j-core is a dependency); the binding is not, so add
# the one matching log4j-core's version, as the Kafka distribution does.
core="$(find "$work/lib" -maxdepth 1 -name 'log4j-core-*.jar' -printf '%f\n' | head -n 1)"
[[ -n "$core" ]] || { echo "fetch-jars.sh: no log4j-core among Kafka's dependencies" >&2; exit 1; }
log4j="${core#log4j-core-}"
log4j="${log4j%.jar}"
slf4j="$(find "$work/lib" -maxdepth 1 -name 'slf4j-api-*.jar' -printf '%f\n' | head -n 1)"
if [[ "$slf4j" == slf4j-api-1.* ]]; then binding=log4j-slf4j-impl; else binding=log4j-slf4j2-impl; fi
(cd "$work" && mvn -B -q -Dstyle.color=never dependency:copy -Dartifact="org.apache.logging.log4j:$binding:$log4j" \
  -DoutputDirectory="$work/lib") >&2

[[ -f "$work/lib/kafka_2.13-$version.jar" ]] || { echo "fetch-jars.sh: kafka_2.13-$version.jar missing" >&2; exit 1; }
rm -rf "$lib"
mv "$work/lib" "$lib"
echo "$version" >"$home/.complete"
echo "$lib"
