// The worker's workflowsPath: every workflow type Lifeboat registers.
export { runbookWorkflow } from './runbook';
export { drillProgrammeWorkflow, drillNoticeWorkflow } from './programme';
