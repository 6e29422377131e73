"""Provides the plans of the interactive actions: a VM's console and a shell on a node.

Both hand the terminal over (``Runner.interactive``), so both are writing actions: refused in
read-only modes. A node shell has no command line: the session asks the node for the user's login
shell, which ``LOGIN_SHELL`` stands for in the plan.
"""

from __future__ import annotations

from hatui.actions.commands import Argv, Command, Danger
from hatui.actions.commands_drbd import vm_console
from hatui.actions.plan import Phase, Plan, Request
from hatui.actions.plans import ActionContext
from hatui.errors import ActionRefused

#: The plan's stand-in for "the user's login shell" (never run as a command).
LOGIN_SHELL: Argv = ("login-shell",)


def session_argv(command: Command) -> Argv | None:
    """What the session runs: None for a login shell, else the command."""
    return None if command.argv == LOGIN_SHELL else command.argv


def plan_vm_console(ctx: ActionContext, req: Request) -> Plan:
    """``xl``/``xm``/``virsh console`` of the VM on the node it runs on (``req.node``)."""
    ctx.guard_write()
    node = req.node
    if not node:
        raise ActionRefused(f"{req.name} runs nowhere: there is no console to open")
    command = vm_console(req.name, node=node, tools=ctx.tools(node))
    return Plan(
        req.action,
        f"Open the console of VM {req.name} on {node}? (Ctrl-] returns to hatui)",
        req.name,
        "vm",
        (Phase(command.summary, (command,)),),
        pacemaker=False,
        done="session closed",
    )


def plan_node_shell(ctx: ActionContext, req: Request) -> Plan:
    """An interactive login shell on the node ``req.target``."""
    ctx.guard_write()
    node = req.name
    if not node:
        raise ActionRefused("no node to open a shell on")
    command = Command(LOGIN_SHELL, node, Danger.CHANGE, f"interactive shell on {node}")
    return Plan(
        req.action,
        f"Open a shell on node {node}? (exit returns to hatui)",
        node,
        "node",
        (Phase(command.summary, (command,)),),
        pacemaker=False,
        done="session closed",
    )
