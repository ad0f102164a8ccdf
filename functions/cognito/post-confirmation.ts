// Cognito post-confirmation trigger (issue 5). Placeholder entry point.
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
export const handler = async (event: PostConfirmationTriggerEvent) => event;
