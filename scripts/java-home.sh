# Sourced by ./jkvm and scripts/*.sh: sets JAVA_HOME to a Java 25+ JDK, or fails with one line.
# Order: $JAVA_HOME if it is 25+, else the newest 25+ JDK under /usr/lib/jvm.
# Bash built-ins only (no sed, no $(...)): ./jkvm sources this at every start, where each
# forked process costs milliseconds (docs/PERFORMANCE.md, section 8).
jkvm_java_major() { # sets jkvm_major to the feature version of the JDK at $1 (its release file), or 0
  jkvm_major=0
  [[ -x "$1/bin/java" && -x "$1/bin/javac" && -f "$1/release" ]] || return 0
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    if [[ "$line" =~ ^JAVA_VERSION=\"([0-9]+) ]]; then jkvm_major="${BASH_REMATCH[1]}"; return 0; fi
  done <"$1/release"
}

jkvm_find_jdk() { # sets jkvm_jdk to the JDK to use, or nothing
  jkvm_jdk=""
  if [[ -n "${JAVA_HOME:-}" ]]; then
    jkvm_java_major "$JAVA_HOME"
    if [[ "$jkvm_major" -ge 25 ]]; then jkvm_jdk="$JAVA_HOME"; return 0; fi
  fi
  local bestv=0 d
  for d in /usr/lib/jvm/*; do
    jkvm_java_major "$d"
    if [[ "$jkvm_major" -ge 25 && "$jkvm_major" -gt "$bestv" ]]; then jkvm_jdk="$d"; bestv="$jkvm_major"; fi
  done
}

jkvm_find_jdk
JAVA_HOME="$jkvm_jdk"
if [[ -z "$JAVA_HOME" ]]; then
  echo "jkvm: no Java 25 JDK found: set JAVA_HOME to one, or install one under /usr/lib/jvm (e.g. Temurin 25)" >&2
  exit 1
fi
export JAVA_HOME
