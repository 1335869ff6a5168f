"""bench/bench_gpu.py at tiny size on CPU: it runs, and its results have the documented structure.

No timed assertions: on CPU the numbers prove the code path, not a speed.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_gpu_tiny_runs_and_reports_both_workloads(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_gpu.py"), "--tiny", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| workload | unit | pipeline | network alone | ratio |" in proc.stdout
    r = json.loads(out.read_text())
    assert r["size"] == "tiny" and isinstance(r["cuda"], bool)
    for key, unit in (("deepcage", "examples/s"), ("bert_mlm", "tokens/s")):
        w = r[key]
        assert w["unit"] == unit
        assert w["pipeline"] > 0 and w["network_alone"] > 0
        assert abs(w["ratio"] - w["pipeline"] / w["network_alone"]) < 1e-9
        assert set(w["number_formats"]) == {"device", "precision", "tf32", "float32_matmul_precision",
                                                   "cpu_threads", "mkl_cbwr"}
        if not r["cuda"]:
            assert w["gpu_utilisation_mean"] is None
            assert w["number_formats"]["precision"] == "32-true" and w["number_formats"]["tf32"] is False
    pred = r["deepcage"]["predict"]
    assert pred["loci"] > 0 and pred["device_s"] > 0 and pred["cpu_s"] > 0 and pred["max_abs_difference"] < 1e-2
    if not r["cuda"]:
        assert r["deepcage"]["pipeline_batches"] == "DataLoader"  # CPU keeps the DataLoader path
        assert pred["max_abs_difference"] == 0.0
