import { temporalRefusal } from '../../temporal/errors';
import { cannotAdd } from '../../temporal/search-attributes';

// The shape the SDK throws: a ServiceError whose cause is the gRPC error with its status code and details.
const refused = (code: number, details: string) =>
  Object.assign(new Error('Failed to start Workflow'), { cause: Object.assign(new Error(`${code} ${details}`), { code, details }) });

describe('temporalRefusal', () => {
  it('names the cause and the fix for each way Temporal refuses to serve', () => {
    expect(temporalRefusal(refused(14, 'No connection established'))).toBe('Temporal cannot be reached (No connection established)');
    expect(temporalRefusal(refused(16, 'Request unauthorized.'))).toBe(
      "Temporal refused Lifeboat's credentials (Request unauthorized.); check TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY",
    );
    expect(temporalRefusal(refused(7, 'Request unauthorized.'))).toMatch(/^Temporal refused Lifeboat's credentials/);
    expect(temporalRefusal(refused(3, 'Namespace x has no mapping defined for search attribute LifeboatStatus'))).toBe(
      "Temporal refused the run's search attributes (Namespace x has no mapping defined for search attribute LifeboatStatus); start a worker or run 'lifeboat setup', which register them",
    );
    expect(temporalRefusal(refused(5, 'Namespace prod is not found.'))).toBe('Temporal does not know the namespace (Namespace prod is not found.); check TEMPORAL_NAMESPACE');
  });

  it('leaves other errors to the caller', () => {
    expect(temporalRefusal(refused(3, 'WorkflowId is not set'))).toBeUndefined();
    expect(temporalRefusal(refused(5, 'workflow execution not found'))).toBeUndefined();
    expect(temporalRefusal(new Error('boom'))).toBeUndefined();
  });
});

describe('cannotAdd', () => {
  it('names the attribute, the namespace, the permission lacking and the command that fixes it, on one line', () => {
    const line = cannotAdd('LifeboatStatus', 'Keyword', 'prod.acct', refused(7, 'Request unauthorized.'));
    expect(line).toBe(
      'cannot register search attribute LifeboatStatus (Keyword) in namespace prod.acct: the credentials lack the permission to add search attributes ' +
        '(OperatorService/AddSearchAttributes) (Request unauthorized.); have an administrator run ' +
        "'temporal operator search-attribute create --namespace prod.acct --name LifeboatStatus --type Keyword' " +
        "(on Temporal Cloud: 'tcld namespace search-attributes add' or the Cloud UI), then start again",
    );
    expect(line).not.toContain('\n');
  });
});
