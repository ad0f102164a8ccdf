// Cognito pre-sign-up trigger (issue 5). Placeholder entry point.
import type { PreSignUpTriggerEvent } from 'aws-lambda';
export const handler = async (event: PreSignUpTriggerEvent) => event;
