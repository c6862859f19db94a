# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run one module once per vault batch, every batch at once, and wait for all of them in one task.

The roles used to start a module per vault with ``async`` in a loop, then poll each job with
``async_status`` in a second loop: every start and every poll was an Ansible task iteration
(templating the loop item - a vault's thousand VMs - and a module process per poll, one job after
the other). Here the starts happen in one task, and the wait reads the jobs' result files on the
controller (where the roles delegate these tasks) every ``poll`` seconds, without a process per poll.
"""

from __future__ import annotations

import json
import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.vars.clean import remove_internal_keys

try:  # ansible-core 2.19+
    from ansible.executor.module_common import _apply_action_arg_defaults
except ImportError:  # pragma: no cover - ansible-core 2.17 and 2.18
    from ansible.executor.module_common import get_action_args_with_defaults

    def _apply_action_arg_defaults(action, task, action_args, templar):
        return get_action_args_with_defaults(action, action_args, task.module_defaults, templar, action_groups=task._parent._play._action_groups)

ARGUMENT_SPEC = {
    "module": {"type": "str", "required": True},
    "batches": {"type": "list", "elements": "dict", "required": True},
    "batch_options": {"type": "dict", "required": True},
    "options": {"type": "dict", "default": {}},
    "timeout": {"type": "int", "default": 3600},
    "poll": {"type": "float", "default": 0.5},
}

display = Display()


def outcome(answer):
    if answer.get("failed"):
        return f"failed: {answer.get('msg', 'no message')}"
    return "changed" if answer.get("changed") else "ok"


class ActionModule(ActionBase):
    """See plugins/modules/vault_runs.py for the options and what the task returns."""

    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        module = self._shared_loader_obj.module_loader.find_plugin_with_context(args["module"], collection_list=self._task.collections)
        if not module.resolved:
            raise AnsibleActionFail(f"module: no module named {args['module']}")
        jobs = [(batch, self._start(module.resolved_fqcn, batch, args, task_vars)) for batch in args["batches"]]
        results = self._wait(jobs, args["timeout"], args["poll"], task_vars)
        for index, entry in enumerate(results):  # one line per run, as a loop prints one per item
            display.display(f"{module.resolved_fqcn.rsplit('.', 1)[-1]} run for {entry['item'].get('label', index)}: {outcome(entry)}")
        result.update(changed=any(entry.get("changed") for entry in results), results=results)
        failed = [entry for entry in results if entry.get("failed")]
        if failed:  # as a loop fails when an item failed; the roles that report failures per item set failed_when: false
            result.update(failed=True, msg=f"{len(failed)} of {len(results)} runs failed: "
                          + "; ".join(f"{entry['item'].get('label', '?')}: {entry.get('msg', 'no message')}" for entry in failed))
        diffs = [diff for entry in results for diff in ([entry["diff"]] if isinstance(entry.get("diff"), dict) else entry.get("diff") or [])]
        if diffs:
            result["diff"] = diffs
        return result

    def _start(self, module, batch, args, task_vars):
        """Start ``module`` for one batch as an async job (as ``async:`` with ``poll: 0`` would); its start answer, or why it failed."""
        # A key the batch lacks leaves its option out (as default(omit) would).
        module_args = dict(args["options"], **{option: batch[key] for option, key in args["batch_options"].items() if key in batch})
        module_args = _apply_action_arg_defaults(module, self._task, module_args, self._templar)
        async_val = self._task.async_val
        self._task.async_val = args["timeout"]  # async_wrapper's time limit
        try:
            started = self._execute_module(module_name=module, module_args=module_args, task_vars=task_vars, wrap_async=True)
        finally:
            self._task.async_val = async_val
        return started

    def _wait(self, jobs, timeout, poll, task_vars):
        """Each job's final answer, in the batches' order, with its batch as ``item``; a job still running at ``timeout`` fails."""
        done = {}
        deadline = time.monotonic() + timeout + 60
        while True:
            for index, (batch, started) in enumerate(jobs):
                if index in done:
                    continue
                if "ansible_job_id" not in started:  # could not even start
                    done[index] = dict(started, failed=True, finished=True)
                    continue
                status = self._status(started, task_vars)
                if status.get("finished"):
                    done[index] = status
            if len(done) == len(jobs):
                break
            if time.monotonic() > deadline:
                for index, (batch, started) in enumerate(jobs):
                    done.setdefault(index, {"failed": True, "finished": False, "ansible_job_id": started.get("ansible_job_id"),
                                            "msg": f"the run did not finish within {timeout} s"})
                break
            time.sleep(poll)
        return [dict(done[index], item=batch) for index, (batch, dummy) in enumerate(jobs)]

    def _status(self, started, task_vars):
        """The job's answer so far, as async_status gives it: read from its file on this controller, or else through async_status."""
        if self._connection.transport != "local":
            return self._execute_module(module_name="ansible.legacy.async_status", task_vars=task_vars,
                                        module_args={"jid": started["ansible_job_id"], "_async_dir": os.path.dirname(started["results_file"])})
        try:
            with open(started["results_file"], encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            return {"failed": True, "finished": True, "msg": "could not find job", "ansible_job_id": started["ansible_job_id"]}
        try:
            data = json.loads(text)
        except ValueError:
            if not text.strip():
                return {"finished": False}  # being written
            return {"failed": True, "finished": True, "msg": f"could not parse job output: {text[:200]}", "ansible_job_id": started["ansible_job_id"]}
        if "started" in data and not data.get("finished"):
            return {"finished": False}
        # Read once, so removed as async_status's mode=cleanup would: no run's answer is left behind in the async dir.
        try:
            os.remove(started["results_file"])
        except OSError:
            pass
        data.pop("invocation", None)  # the module's arguments: the batch, which the answer carries as item
        remove_internal_keys(data)
        return dict(data, finished=True, ansible_job_id=started["ansible_job_id"])
