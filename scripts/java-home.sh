# Sourced by ./jkvm and scripts/*.sh: sets JAVA_HOME to a Java 25+ JDK, or fails with one line.
# Order: $JAVA_HOME if it is 25+, else the newest 25+ JDK under /usr/lib/jvm.
jkvm_java_major() { # the feature version of the JDK at $1 (from its release file), or nothing
  [[ -x "$1/bin/java" && -x "$1/bin/javac" && -f "$1/release" ]] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}

jkvm_find_jdk() {
  local v
  if [[ -n "${JAVA_HOME:-}" ]]; then
    v="$(jkvm_java_major "$JAVA_HOME")"
    if [[ -n "$v" && "$v" -ge 25 ]]; then echo "$JAVA_HOME"; return; fi
  fi
  local best="" bestv=0 d
  for d in /usr/lib/jvm/*; do
    v="$(jkvm_java_major "$d")"
    if [[ -n "$v" && "$v" -ge 25 && "$v" -gt "$bestv" ]]; then best="$d"; bestv="$v"; fi
  done
  [[ -n "$best" ]] && echo "$best"
}

JAVA_HOME="$(jkvm_find_jdk || true)"
if [[ -z "$JAVA_HOME" ]]; then
  echo "jkvm: no Java 25 JDK found: set JAVA_HOME to one, or install one under /usr/lib/jvm (e.g. Temurin 25)" >&2
  exit 1
fi
export JAVA_HOME
