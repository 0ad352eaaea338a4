#!/usr/bin/env python3
"""Serves vt_agent-style Python service modules to hostlink over a pipe.

hostlink starts one of these per services folder:

    python3 hostlink_service_runner.py SERVICES_DIR DATA_DIR

It imports every ``.py`` module below SERVICES_DIR (``__init__.py`` excepted) the way
vt_agent does (module name = file path without ``.py``, so a service called
``platform.py`` never shadows the standard library), then answers calls. Messages are
JSON lines: requests on stdin, answers and log records on stdout. Services that print
cannot corrupt the channel: the protocol keeps private copies of the two descriptors
and fd 1 is pointed at stderr.

Values use the tagged JSON described in ../pipe-values.ts, so services receive what
vt_agent hands them (xmlrpc.client.Binary and DateTime, floats as floats) and may
return what xmlrpc.client marshals.

Messages:
  in : {"op": "call", "id": N, "name": "examples.hello.say_hello", "args": [...], "kwargs": {...}}
  out: {"op": "ready", "functions": [{"name", "doc", "signature"}], "failures": [{"module", "error"}]}
       {"op": "result", "id": N, "value": ...}
       {"op": "fault", "id": N, "code": int, "string": str}      (the service raised xmlrpc.client.Fault)
       {"op": "error", "id": N, "exc_type": str, "exc_value": str, "traceback": str}
       {"op": "log", "record": {LogRecord fields}}
"""

import base64
import datetime
import importlib.util
import inspect
import json
import logging
import math
import os
import stat
import sys
import tempfile
import threading
import traceback
import types
import xmlrpc.client

TMP_PREFIX = "agent_tmp_"


class Channel:
    """The protocol side of the pipe; safe to use from many threads."""

    def __init__(self):
        self._out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
        self._in = os.fdopen(os.dup(0), "r", encoding="utf-8", newline="\n")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        self._lock = threading.Lock()

    def send(self, message):
        line = json.dumps(message, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    def messages(self):
        for line in self._in:
            line = line.strip()
            if line:
                yield json.loads(line)


# --- values ---------------------------------------------------------------------------


def _float_tag(value):
    if math.isnan(value):
        return {"$float": "nan"}
    if math.isinf(value):
        return {"$float": "inf" if value > 0 else "-inf"}
    return {"$float": value}


def to_pipe(value, depth=0):
    """A service result as tagged JSON; TypeError for what xmlrpc.client cannot marshal."""
    if depth > 100:
        raise TypeError("cannot marshal recursive or too deeply nested values")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -(2**53) < value < 2**53 else {"$int": str(value)}
    if isinstance(value, float):
        if math.isfinite(value) and not value.is_integer():
            return value
        return _float_tag(value)
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, xmlrpc.client.Binary):
        return {"$bytes": base64.b64encode(value.data).decode("ascii")}
    if isinstance(value, xmlrpc.client.DateTime):
        return {"$datetime": value.value}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.strftime("%Y%m%dT%H:%M:%S")}
    if isinstance(value, (list, tuple)):
        return [to_pipe(item, depth + 1) for item in value]
    if isinstance(value, dict):
        members = []
        for key, member in value.items():
            if not isinstance(key, str):
                raise TypeError("dictionary key must be string")
            members.append((key, to_pipe(member, depth + 1)))
        if any(key.startswith("$") for key, _ in members):
            return {"$dict": [list(pair) for pair in members]}
        return dict(members)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        # xmlrpc.client marshals other objects as a struct of their attributes.
        return to_pipe(vars(value), depth + 1)
    raise TypeError("cannot marshal %s objects" % type(value))


def from_pipe(value):
    """Tagged JSON to the values vt_agent's server (use_builtin_types=False) passes on."""
    if isinstance(value, list):
        return [from_pipe(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, tagged), = value.items()
        if key == "$bytes":
            return xmlrpc.client.Binary(base64.b64decode(tagged))
        if key == "$datetime":
            return xmlrpc.client.DateTime(tagged)
        if key == "$float":
            return float(tagged)
        if key == "$int":
            return int(tagged)
        if key == "$dict":
            return {k: from_pipe(v) for k, v in tagged}
    return {k: from_pipe(v) for k, v in value.items()}


# --- vt_agent's data_dir, for services that import it ------------------------------------


def _install_data_dir_shim(services_dir, data_dir):
    """Provides virttest.vt_agent.core.data_dir (and avocado_vt.agent.core.data_dir)
    pointing at hostlink's data folder, when the real package is not installed."""
    log_dir = os.path.join(data_dir, "log")
    download_dir = os.path.join(data_dir, "download")

    def get_tmp_dir(public=True):
        os.makedirs(data_dir, exist_ok=True)
        path = tempfile.mkdtemp(prefix=TMP_PREFIX, dir=data_dir)
        if public:
            mode = os.stat(path).st_mode
            os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH)
        return path

    def clean_tmp_files():
        import shutil

        for name in os.listdir(data_dir):
            if name.startswith(TMP_PREFIX):
                shutil.rmtree(os.path.join(data_dir, name), ignore_errors=True)

    shim = types.ModuleType("data_dir")
    shim.__dict__.update(
        BASE_DIR=data_dir,
        DATA_DIR=data_dir,
        LOG_DIR=log_dir,
        DOWNLOAD_DIR=download_dir,
        AGENT_LOG_FILENAME=os.path.join(log_dir, "agent.log"),
        SERVICE_LOG_FILENAME=os.path.join(log_dir, "service.log"),
        get_root_dir=lambda: data_dir,
        get_data_dir=lambda: data_dir,
        get_log_dir=lambda: log_dir,
        get_download_dir=lambda: download_dir,
        get_services_module_dir=lambda: services_dir,
        get_tmp_dir=get_tmp_dir,
        clean_tmp_files=clean_tmp_files,
    )
    for top, path in (("virttest", "virttest.vt_agent.core"), ("avocado_vt", "avocado_vt.agent.core")):
        try:
            if importlib.util.find_spec(top) is not None:
                continue
        except (ImportError, ValueError):
            continue
        parts = path.split(".")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            if name not in sys.modules:
                package = types.ModuleType(name)
                package.__path__ = []
                sys.modules[name] = package
            if i > 1:
                setattr(sys.modules[".".join(parts[: i - 1])], parts[i - 1], sys.modules[name])
        sys.modules[path + ".data_dir"] = shim
        setattr(sys.modules[path], "data_dir", shim)


# --- logging ----------------------------------------------------------------------------


class PipeLogHandler(logging.Handler):
    def __init__(self, channel):
        super().__init__(logging.DEBUG)
        self._channel = channel

    def emit(self, record):
        try:
            exc_text = None
            if record.exc_info:
                exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            elif record.exc_text:
                exc_text = record.exc_text
            self._channel.send(
                {
                    "op": "log",
                    "record": {
                        "name": record.name,
                        "levelno": record.levelno,
                        "levelname": record.levelname,
                        "msg": record.getMessage(),
                        "pathname": record.pathname,
                        "filename": record.filename,
                        "module": record.module,
                        "lineno": record.lineno,
                        "funcName": record.funcName,
                        "created": record.created,
                        "msecs": record.msecs,
                        "relativeCreated": record.relativeCreated,
                        "thread": record.thread,
                        "threadName": record.threadName,
                        "process": record.process,
                        "processName": record.processName,
                        "exc_text": exc_text,
                        "stack_info": record.stack_info,
                    },
                }
            )
        except Exception:  # a log record must never break a call
            self.handleError(record)


# --- services ---------------------------------------------------------------------------


def load_services(services_dir):
    functions, described, failures = {}, [], []
    for root, dirs, files in os.walk(services_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for file in sorted(files):
            if not file.endswith(".py") or file == "__init__.py" or file.startswith("."):
                continue
            source = os.path.join(root, file)
            dotted = os.path.relpath(source, services_dir)[:-3].replace(os.sep, ".")
            module_name = source[:-3]  # as vt_agent names them: unique, shadows nothing
            try:
                spec = importlib.util.spec_from_file_location(module_name, source)
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module
                spec.loader.exec_module(module)
            except BaseException as error:  # a broken module is reported and skipped
                sys.modules.pop(module_name, None)
                failures.append({"module": dotted, "error": "%s: %s" % (type(error).__name__, error)})
                continue
            for name, member in inspect.getmembers(module, inspect.isfunction):
                if name.startswith("_"):
                    continue
                rpc_name = "%s.%s" % (dotted, name)
                functions[rpc_name] = member
                try:
                    signature = str(inspect.signature(member))
                except (TypeError, ValueError):
                    signature = "(...)"
                described.append({"name": rpc_name, "doc": inspect.getdoc(member) or "", "signature": signature})
    return functions, described, failures


def _exception_type_name(error):
    kind = type(error)
    module = getattr(kind, "__module__", "")
    if module and module not in ("__main__", "builtins"):
        return "%s.%s" % (module, kind.__qualname__)
    return kind.__qualname__


def serve_call(channel, functions, message):
    call_id = message.get("id")
    try:
        function = functions.get(message.get("name"))
        if function is None:
            raise Exception('method "%s" is not supported' % message.get("name"))
        args = [from_pipe(arg) for arg in message.get("args") or []]
        kwargs = {key: from_pipe(value) for key, value in (message.get("kwargs") or {}).items()}
        value = to_pipe(function(*args, **kwargs))
        channel.send({"op": "result", "id": call_id, "value": value})
    except xmlrpc.client.Fault as fault:
        channel.send({"op": "fault", "id": call_id, "code": int(fault.faultCode), "string": str(fault.faultString)})
    except BaseException as error:
        # The traceback keeps the service's own frames: drop this function's frame.
        tb = error.__traceback__.tb_next if error.__traceback__ is not None else None
        text = "".join(traceback.format_exception(type(error), error, tb))
        channel.send(
            {"op": "error", "id": call_id, "exc_type": _exception_type_name(error), "exc_value": str(error), "traceback": text}
        )


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: hostlink_service_runner.py SERVICES_DIR DATA_DIR\n")
        return 2
    services_dir, data_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    channel = Channel()
    logging.getLogger().addHandler(PipeLogHandler(channel))
    logging.getLogger("avocado").setLevel(logging.DEBUG)
    _install_data_dir_shim(services_dir, data_dir)
    functions, described, failures = load_services(services_dir)
    channel.send({"op": "ready", "functions": described, "failures": failures})
    for message in channel.messages():
        if message.get("op") == "call":
            threading.Thread(target=serve_call, args=(channel, functions, message), daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
