// Imported first by the local entry points: silence the AWS SDK's notice about Node 20 (Lambda runs 22).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
