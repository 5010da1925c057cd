#!/usr/bin/env bash
# prairielearn.sh LAB... - write dist/prairielearn/: what to copy into
# a PrairieLearn course repository.
#   questions/concurrency-labs/NN-name/   one question per lab: info.json
#       (external grading), question.html (an editor per file the student
#       edits, the grader's results), clientFilesQuestion/ (the skeletons,
#       the API header and the handout, for download)
#   serverFilesCourse/concurrency-labs/   the kit: Makefile, harness, the
#       labs' headers and tests, hidden tests; no solution code
#   Dockerfile                            FROM prairielearn/grader-c, adding jansson and gnuplot
# Formats: PrairieLearn's docs/externalGrading.md and docs/c-grader/index.md.
# PL_IMAGE (default prairielearn/grader-c) is the image info.json names:
# build one from the Dockerfile (the kit needs jansson; on an image without
# it every submission is "not gradable", which costs no attempt);
# PL_TIMEOUT (default 300 s, PrairieLearn allows 600) the job's timeout.
set -euo pipefail
out=${DIST:-dist}/prairielearn
image=${PL_IMAGE:-prairielearn/grader-c}
timeout=${PL_TIMEOUT:-300}
rm -rf "$out"
kit=$out/serverFilesCourse/concurrency-labs
harness/scripts/kit_copy.sh "$kit" "$@"

for lab in "$@"; do
    q=$out/questions/concurrency-labs/$lab
    mkdir -p "$q/clientFilesQuestion"
    files=$(harness/scripts/student_files.sh "$lab")
    cp "labs/$lab/README.md" labs/"$lab"/*.h "$q/clientFilesQuestion/"
    for f in $files; do cp "labs/$lab/$f" "$q/clientFilesQuestion/"; done
    # A stable uuid per lab: PrairieLearn tracks a question by it.
    h=$(printf 'concurrency-labs/%s' "$lab" | sha256sum | cut -c1-32)
    uuid="${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}"
    title=$(head -1 "labs/$lab/README.md" | sed 's/^# *//')
    entry="/bin/bash /grade/serverFilesCourse/concurrency-labs/harness/scripts/prairielearn/run.sh $lab"
    jq -n --arg uuid "$uuid" --arg title "$title" --arg lab "$lab" --arg image "$image" \
          --arg entry "$entry" --argjson timeout "$timeout" '{
        uuid: $uuid, title: $title, topic: "Concurrency",
        tags: ["concurrency-labs", "c", "pthreads", $lab],
        type: "v3", singleVariant: true, gradingMethod: "External",
        externalGradingOptions: {enabled: true, image: $image, serverFilesCourse: ["concurrency-labs/"],
                                 entrypoint: $entry, timeout: $timeout}}' > "$q/info.json"
    {
        echo "<pl-question-panel>"
        echo "  <p>$title. The handout, the API header and the starting files are here:"
        for f in README.md $(cd "labs/$lab" && ls *.h) $files; do
            echo "    <a href=\"{{options.client_files_question_url}}/$f\">$f</a>"
        done
        echo "  </p>"
        echo "  <p>Each submission is built and tested three times (plain, ThreadSanitizer,"
        echo "    AddressSanitizer); a test earns its points only if it passes all three."
        echo "    The chart is your code timed by the lab's driver.</p>"
        echo "</pl-question-panel>"
        echo
        for f in $files; do
            echo "<pl-file-editor file-name=\"$f\" ace-mode=\"ace/mode/c_cpp\""
            echo "                source-file-name=\"$f\" directory=\"clientFilesQuestion\"></pl-file-editor>"
        done
        echo
        echo "<pl-submission-panel>"
        echo "  <pl-external-grader-results></pl-external-grader-results>"
        echo "  <pl-file-preview></pl-file-preview>"
        echo "</pl-submission-panel>"
    } > "$q/question.html"
done

cat > "$out/Dockerfile" <<'DOCKER'
# prairielearn/grader-c has gcc, make, Check and pkg-config; this adds
# what the kit's deps.sh finds missing: jansson (every JSON file the kit
# reads or writes), gnuplot (the chart in each result), ...  Build and push it, then make
# prairielearn PL_IMAGE=<your account>/concurrency-labs-grader.
FROM prairielearn/grader-c
COPY deps.sh /tmp/deps.sh
RUN bash /tmp/deps.sh && rm -rf /tmp/deps.sh /var/lib/apt/lists/*
DOCKER
cp harness/scripts/deps.sh "$out/deps.sh"
echo "prairielearn: $out/ for $*: copy questions/ and serverFilesCourse/ into your course;" \
     "build $out/Dockerfile (grader-c with jansson and gnuplot) and name it with PL_IMAGE= (now $image)"
