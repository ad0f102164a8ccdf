// The local runtime's start-up options that need no server: how long DynamoDB Local may take to start.
import { describe, expect, it } from 'vitest';
import { START_TIMEOUT_VARIABLE, startTimeoutSeconds } from '../../local/dynamo';

describe('DynamoDB Local start timeout', () => {
  it('is 120 s unless DYNAMODB_LOCAL_START_TIMEOUT_SECONDS says otherwise', () => {
    expect(START_TIMEOUT_VARIABLE).toBe('DYNAMODB_LOCAL_START_TIMEOUT_SECONDS');
    expect(startTimeoutSeconds({})).toBe(120);
    expect(startTimeoutSeconds({ DYNAMODB_LOCAL_START_TIMEOUT_SECONDS: '' })).toBe(120);
    expect(startTimeoutSeconds({ DYNAMODB_LOCAL_START_TIMEOUT_SECONDS: '300' })).toBe(300);
    expect(startTimeoutSeconds({ DYNAMODB_LOCAL_START_TIMEOUT_SECONDS: '2.5' })).toBe(2.5);
  });

  it('refuses a value that is not a positive number, naming the variable', () => {
    for (const bad of ['0', '-5', 'soon', 'Infinity']) {
      expect(() => startTimeoutSeconds({ DYNAMODB_LOCAL_START_TIMEOUT_SECONDS: bad })).toThrow(/DYNAMODB_LOCAL_START_TIMEOUT_SECONDS must be a positive number of seconds/);
    }
  });
});
