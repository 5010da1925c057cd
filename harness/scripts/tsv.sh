# tsv.sh - read the grader's results.tsv by column name (source it).
#
# results.tsv opens with a header row (lab test score max status visibility,
# written by report.c); these helpers turn each name into an awk variable
# holding that column of the current row, so no reader counts columns.
#
#   tsv_awk [-v VAR=VALUE]... PROGRAM FILE
#       run the awk PROGRAM over FILE's rows (the header skipped), with each
#       column name set for the row:  tsv_awk 'status == "failed" { print test }' F
#   tsv_select FILE CONDITION [COLUMN]...
#       print the named columns (tab-separated; all when none) of the rows
#       where the awk CONDITION holds:  tsv_select F 'status == "failed"' lab test
#
# A missing, empty or header-less FILE is an error (status 2, a message on
# stderr): a reader must not mistake "no results" for "nothing failed".

tsv_awk() {
    local opts=()
    while [ "${1-}" = -v ]; do opts+=(-v "$2"); shift 2; done
    local program=$1 file=$2 header assign="" i=0 name
    if ! IFS= read -r header 2> /dev/null < "$file" || [ -z "$header" ]; then
        echo "tsv: no results in $file" >&2
        return 2
    fi
    local names
    IFS=$'\t' read -r -a names <<< "$header"
    for name in "${names[@]}"; do
        i=$((i + 1))
        # Only names awk can take as variables; a data row here means an old
        # grader without a header.
        [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "tsv: $file has no header row" >&2; return 2; }
        assign+="$name = \$$i; "
    done
    awk -F'\t' -v OFS='\t' "${opts[@]}" "FNR == 1 { next } { $assign } $program" "$file"
}

tsv_select() {
    local file=$1 condition=$2 columns
    shift 2
    if [ $# -eq 0 ]; then
        columns='$0'
    else
        columns=$(IFS=,; echo "$*")
    fi
    tsv_awk "($condition) { print $columns }" "$file"
}
