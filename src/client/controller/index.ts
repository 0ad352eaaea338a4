// The controller client: jobs on a fleet of agents, JumpScale agentcontroller style.
export { ControllerClient, DEFAULT_CONTROLLER_URL, type CommandOptions, type ControllerClientOptions, type JobDetails, type JobSummary, type ScheduleInfo, type StatsEntry } from './client.js';
export { CommandHandle, type MessageQuery, type StreamEvent } from './command-handle.js';
export { ControllerUnreachable } from './http.js';
export type { ControllerEvent, FeedJob, ResultChange } from './events.js';
export type { AgentInfo, JobCommand, JobMessage, JobResult, JobState, RunArgs } from '../../protocols/fleet/job-model.js';
