/**
 * An example service that simulates virtual machine operations (it controls no real
 * VM), organised in a subfolder: examples.virt.vm.boot_up, .shutdown, .get_status.
 * Its logger is a streamed service logger ("avocado.service.examples.virt.vm").
 */
import { hostname } from 'node:os';

/** Simulated VMs by name: { status, ip_address?, host }. Lives as long as the agent. */
const simulatedVms = new Map();

/**
 * Simulates booting a VM; a running one reports its current state.
 * @this {import('../../../../src/services/service-api.js').ServiceApi}
 * @param {string} [vmName]
 */
export function boot_up(vmName = 'test-vm-01') {
  const host = hostname();
  this.log.info("Attempting to boot up VM '%s' on host %s (simulation).", vmName, host);
  const vm = simulatedVms.get(vmName);
  if (vm?.status === 'running') {
    this.log.info("VM '%s' is already running (simulation).", vmName);
    return {
      vm_name: vmName,
      status: 'already_running',
      host,
      ip_address: vm.ip_address ?? 'N/A',
      message: `VM '${vmName}' is already running.`,
    };
  }
  const ip = `192.168.122.${100 + Math.floor(Math.random() * 101)}`;
  simulatedVms.set(vmName, { status: 'running', ip_address: ip, host });
  this.log.info("VM '%s' successfully booted (simulation) with IP %s.", vmName, ip);
  return {
    vm_name: vmName,
    status: 'boot_initiated',
    host,
    ip_address: ip,
    message: `VM '${vmName}' boot sequence initiated (simulation).`,
  };
}

/**
 * Simulates shutting a VM down.
 * @this {import('../../../../src/services/service-api.js').ServiceApi}
 * @param {string} [vmName]
 */
export function shutdown(vmName = 'test-vm-01') {
  const host = hostname();
  this.log.info("Attempting to shut down VM '%s' on host %s (simulation).", vmName, host);
  const vm = simulatedVms.get(vmName);
  if (vm?.status === 'running') {
    vm.status = 'stopped';
    delete vm.ip_address;
    this.log.info("VM '%s' successfully shut down (simulation).", vmName);
    return { vm_name: vmName, status: 'shutdown_completed', host, message: `VM '${vmName}' has been shut down (simulation).` };
  }
  if (vm === undefined || vm.status === 'stopped') {
    this.log.info("VM '%s' is already stopped or does not exist (simulation).", vmName);
    return { vm_name: vmName, status: 'already_stopped_or_not_found', host, message: `VM '${vmName}' was already stopped or not found.` };
  }
  this.log.warning("VM '%s' in unexpected state for shutdown: %r", vmName, vm);
  return { status: 'unknown_error_or_not_found', vm_name: vmName, message: 'VM in unexpected state or not found.' };
}

/**
 * Simulates reading a VM's status; ip_address is nil once it is stopped.
 * @this {import('../../../../src/services/service-api.js').ServiceApi}
 * @param {string} [vmName]
 */
export function get_status(vmName = 'test-vm-01') {
  const host = hostname();
  this.log.info("Requesting status for VM '%s' on host %s (simulation).", vmName, host);
  const vm = simulatedVms.get(vmName);
  if (vm === undefined) {
    this.log.info("VM '%s' not found (simulation).", vmName);
    return { vm_name: vmName, status: 'not_found', host, message: `VM '${vmName}' not found.` };
  }
  this.log.info("VM '%s' status: %r (simulation).", vmName, vm);
  return {
    vm_name: vmName,
    status: vm.status ?? 'unknown',
    ip_address: vm.ip_address ?? null,
    host,
    message: `Status for VM '${vmName}'.`,
  };
}
