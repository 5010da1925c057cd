"""python_pool.py N WORKERS [RUNS] - Python's ThreadPoolExecutor on the
benchmark's no-op workload: submit a batch of 4096 no-op tasks, then result()
each, until N tasks have run.  The median of RUNS (1) after a warm-up; prints
"python_tasks_per_s R"."""
import sys
import time
from concurrent.futures import ThreadPoolExecutor

BATCH = 4096


def noop():
    return None


def submit_then_result(ex, ntasks):
    done = 0
    start = time.perf_counter()
    while done < ntasks:
        fs = [ex.submit(noop) for _ in range(BATCH)]
        for f in fs:
            f.result()
        done += BATCH
    return done / (time.perf_counter() - start)


def main():
    ntasks, workers = int(sys.argv[1]), int(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with ThreadPoolExecutor(max_workers=workers) as ex:
        submit_then_result(ex, BATCH)
        rates = sorted(submit_then_result(ex, ntasks) for _ in range(runs))
    print(f"python_tasks_per_s {rates[runs // 2]:.0f}")


if __name__ == "__main__":
    main()
