/**
 * The agent as a process: logging, daemonizing, the pid file, signals. Starts the
 * listeners (agent.ts), writes the pid file once they are bound, and on SIGTERM or
 * SIGINT closes them (Unix socket files removed), removes the pid file and ends. It
 * kills nothing else: programs started by guest-exec keep running, as with qemu-ga.
 * SIGHUP reopens the log file (for logrotate); without a log file it is a hang-up (the
 * terminal went away) and stops the agent like SIGTERM.
 */
import { dirname } from 'node:path';
import { HostlinkError } from '../core/errors.js';
import { blockedReaderCount } from '../transports/chardev.js';
import { createAgentLogger } from './agent-logger.js';
import type { AgentSettings } from './agent-settings.js';
import { startAgent, type RunningAgent } from './agent.js';
import { isDaemonChild, reportDaemonFailure, reportDaemonReady, startDaemon } from './daemon.js';
import { defaultRuntimeDir, ensurePrivateDir } from './default-paths.js';
import { formatListenSpec } from './listen-spec.js';
import { checkPidFileFree, PidFile } from './pid-file.js';

export interface AgentProcessOptions {
  /** The command's own arguments, to re-run them in the daemon. */
  readonly args: readonly string[];
  /** Where messages for the person at the terminal go (stderr). */
  readonly print: (line: string) => void;
}

/** Runs the agent until a signal stops it; resolves to the process exit status. */
export async function runAgentProcess(settings: AgentSettings, options: AgentProcessOptions): Promise<number> {
  if (settings.daemonize && !isDaemonChild()) {
    return startDaemon(options.args, (message) => options.print(message));
  }
  const logger = createAgentLogger({ file: settings.logFile, verbose: settings.verbose });
  const { log } = logger;
  const pidFile = settings.pidFile === undefined ? undefined : new PidFile(settings.pidFile);
  let agent: RunningAgent;
  try {
    if (settings.usingDefaultStateDir || settings.usingDefaultListener) ensurePrivateDir(defaultRuntimeDir());
    if (settings.usingDefaultStateDir) ensurePrivateDir(settings.stateDir);
    for (const spec of settings.listen) {
      if (spec.address.transport === 'unix' && settings.usingDefaultListener) ensurePrivateDir(dirname(spec.address.path));
    }
    if (pidFile) checkPidFileFree(pidFile.path);
    if (settings.fsfreezeHook !== undefined) {
      log.warn({ hook: settings.fsfreezeHook }, '--fsfreeze-hook is accepted for qemu-ga compatibility but hostlink does not run it');
    }
    agent = await startAgent({
      listen: settings.listen,
      stateDir: settings.stateDir,
      log,
      policy: { allow: settings.allowRpcs, block: settings.blockRpcs },
      ...(settings.root !== undefined ? { rootDir: settings.root } : {}),
      ...(settings.networkRenderer !== undefined ? { networkRenderer: settings.networkRenderer } : {}),
      ...(settings.services !== undefined ? { servicesDir: settings.services } : {}),
      ...(settings.dataDir !== undefined ? { dataDir: settings.dataDir } : {}),
      // vt_agent.api.quit(): stop the way a signal does (listeners closed, pid file removed).
      requestShutdown: () => process.kill(process.pid, 'SIGTERM'),
    });
    pidFile?.write();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reportDaemonFailure(message);
    log.error({ err: message }, 'agent failed to start');
    logger.flush();
    throw error instanceof HostlinkError ? error : new HostlinkError('GenericError', message, { cause: error });
  }

  if (settings.usingDefaultListener) {
    options.print(
      `listening on ${settings.listen.map(formatListenSpec).join(', ')} (no --listen given), state in ${settings.stateDir}`,
    );
  }
  log.info({ stateDir: settings.stateDir, pidFile: settings.pidFile, listeners: agent.listeners.map((l) => l.description) }, 'agent started');
  reportDaemonReady();
  // Like qemu-ga: a daemon does not keep the folder it was started from busy.
  if (isDaemonChild()) process.chdir('/');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal while closing: give up on a clean stop, end by the signal.
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
        return;
      }
      stopping = true;
      log.info({ signal }, 'stopping');
      void agent.stop().then(() => {
        pidFile?.remove();
        log.info('stopped');
        logger.flush();
        if (blockedReaderCount() > 0) {
          // A reader thread blocked on a virtio port would keep the process alive
          // forever; everything is cleaned up, so end by the signal itself.
          process.removeAllListeners(signal);
          process.kill(process.pid, signal);
          return;
        }
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        process.off('SIGHUP', reopen);
        resolve(0);
        // Handles the agent does not own (a guest-exec child's pipes) must not keep it alive.
        setTimeout(() => process.exit(), 200).unref();
      });
    };
    const reopen = (): void => {
      if (settings.logFile === undefined) return stop('SIGHUP');
      logger.reopen();
      log.info('log file reopened');
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reopen);
  });
}
