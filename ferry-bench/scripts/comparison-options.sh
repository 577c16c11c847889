# Sourced by the compare-*.sh scripts: the options they share. Sets quick (0/1), build (0/1) and
# out_dir ("" = the script's default) from the arguments; --help prints the script's header
# comment (lines 2-17) and exits.
#   . "$here/scripts/comparison-options.sh"; parse_comparison_options "$@"
parse_comparison_options() {
  local script
  script="$(basename "$0" .sh)"
  quick=0
  build=1
  out_dir=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) quick=1 ;;
      --no-build) build=0 ;;
      --out) out_dir="${2:?--out needs a directory}"; shift ;;
      -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "$script: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
  done
}
