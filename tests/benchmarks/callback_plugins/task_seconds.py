# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark aid: writes each task's wall seconds (and when the playbook started) to $BENCH_TASK_SECONDS as JSON.

Enabled by tests/benchmarks/vm_rollout.py ``--task-seconds`` through ANSIBLE_CALLBACK_PLUGINS and
ANSIBLE_CALLBACKS_ENABLED; not part of the collection.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_seconds
type: aggregate
short_description: per-task wall seconds for the benchmarks
description: Writes each task's wall seconds to the file named by BENCH_TASK_SECONDS.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_seconds"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.started = time.time()
        self.tasks = []
        self.current = None

    def _close(self):
        if self.current:
            name, began = self.current
            self.tasks.append([name, round(time.time() - began, 2)])
            self.current = None

    def v2_playbook_on_start(self, playbook):
        self.started = time.time()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current = (task.get_name(), time.time())

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start

    def v2_playbook_on_stats(self, stats):
        self._close()
        with open(os.environ["BENCH_TASK_SECONDS"], "w", encoding="utf-8") as handle:
            json.dump({"playbook_started": self.started, "ended": time.time(), "tasks": self.tasks}, handle)
