// The stateless stack (built with the stateful one it depends on): functions from the route table,
// the API and its authorizer, throttling, access log, CORS, cleanup schedule, alarms, the console,
// and least privilege across both stacks.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubOidcRoutes } from '../../functions/github-oidc/routes';
import { GROUP_ENTRY } from '../../functions/http/route';
import { routes } from '../../functions/routes';
import { API_PATHS } from '../../lib/constructs/console-hosting';
import { THROTTLE } from '../../lib/stateless-stack';
import { derived, exampleConfig, findCycle, resourcesOf, synthesize, type CfnTemplate, type Synthesized } from './support';

let s: Synthesized;
let t: Template;
let cfn: CfnTemplate;
beforeAll(() => {
  s = synthesize();
  t = s.templates.stateless!;
  cfn = s.json.OrgAccessStateless!;
});
afterAll(() => s?.cleanup());

type Fn = { Properties: { Handler: string; Runtime: string; Architectures?: string[]; Description?: string; Environment?: { Variables: Record<string, unknown> }; Role: unknown } };
/** Our functions (ServiceFunction), not CDK's deployment handler. */
const ourFunctions = (template: CfnTemplate) =>
  resourcesOf(template, 'AWS::Lambda::Function').filter(([, f]) => String(f.Properties!.Description ?? '').includes('org-access')) as unknown as [string, Fn][];
const functionFor = (description: RegExp) => {
  const found = ourFunctions(cfn).filter(([, f]) => description.test(f.Properties.Description ?? ''));
  expect(found, String(description)).toHaveLength(1);
  return found[0]!;
};
const routeResource = (routeKey: string) => {
  const found = resourcesOf(cfn, 'AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties!.RouteKey === routeKey);
  expect(found, routeKey).toHaveLength(1);
  return found[0]![1].Properties!;
};
const groups = [...new Set(routes.map((r) => r.group))];

describe('stateless stack', () => {
  it('passes cdk-nag AwsSolutions checks (both stacks) with no unacknowledged finding', () => {
    expect(s.nagFailure).toBeUndefined();
  });

  it('has no dependency cycle between its resources', () => {
    expect(findCycle(cfn)).toBeUndefined();
  });

  it('declares one Lambda per route group of the route table, one per GitHub wrapper endpoint, and the cleanup', () => {
    expect(routes.length).toBeGreaterThan(0);
    for (const group of groups) functionFor(new RegExp(`API: ${group} routes$`));
    for (const r of githubOidcRoutes) {
      const [, fn] = functionFor(new RegExp(`GitHub OIDC wrapper: ${r.method} ${r.path.replace(/\./g, '\\.')}$`));
      expect(fn.Properties.Handler).toBe(`index.${r.handler}`);
    }
    functionFor(/expired invitations/);
    expect(ourFunctions(cfn)).toHaveLength(groups.length + githubOidcRoutes.length + 1);
    expect(groups.every((g) => GROUP_ENTRY[g])).toBe(true);
  });

  it('runs every function of both stacks on nodejs22.x, arm64, with source maps, its own log group and JSON logs', () => {
    const all = [...ourFunctions(cfn), ...ourFunctions(s.json.OrgAccessStateful!)];
    expect(all.length).toBe(groups.length + githubOidcRoutes.length + 3);
    for (const [id, fn] of all) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.Environment?.Variables, id).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'org-access' });
      expect((fn.Properties as Record<string, unknown>).LoggingConfig, id).toMatchObject({ LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } });
    }
    for (const [, group] of resourcesOf(cfn, 'AWS::Logs::LogGroup')) expect(group.Properties!.RetentionInDays).toBeGreaterThan(0);
  });

  it('gives the API functions the environment the handlers read', () => {
    const [, me] = functionFor(/API: me routes$/);
    expect(me.Properties.Environment!.Variables).toMatchObject({
      TABLE_NAME: expect.anything(),
      PUBLIC_URL: derived.publicUrl,
      JWT_ISSUER: expect.anything(),
      JWT_AUDIENCE: expect.anything(),
      CORS_ORIGIN: derived.consoleOrigin,
      SIGN_IN_URL: derived.signInUrl,
    });
    const [, invitations] = functionFor(/API: invitations routes$/);
    expect(invitations.Properties.Environment!.Variables).toMatchObject({ MAIL_FROM: exampleConfig.mailFrom, SES_CONFIGURATION_SET: expect.anything() });
    expect(me.Properties.Environment!.Variables.MAIL_FROM).toBeUndefined();
  });

  it('gives the GitHub wrapper its issuer, client id, secret names and the Cognito redirect URI', () => {
    const [, token] = functionFor(/GitHub OIDC wrapper: POST \/oidc\/github\/token$/);
    expect(token.Properties.Environment!.Variables).toMatchObject({
      OIDC_ISSUER: derived.githubIssuer,
      GITHUB_CLIENT_ID: exampleConfig.githubClientId,
      GITHUB_CLIENT_SECRET_ID: exampleConfig.githubClientSecretName,
      OIDC_SIGNING_KEY_SECRET_ID: exampleConfig.oidcSigningKeySecretName,
      ALLOWED_REDIRECT_URIS: expect.anything(),
    });
    // Cognito's idpresponse URL on the hosted UI domain (a cross-stack value, resolved at deploy).
    expect(JSON.stringify(token.Properties.Environment!.Variables.ALLOWED_REDIRECT_URIS)).toMatch(/oauth2\/idpresponse/);
    expect(s.built.stateful.resources.idpResponseUrl).toMatch(new RegExp(`^https://${exampleConfig.authDomainPrefix}\\.auth\\.`));
  });

  it('puts the Cognito JWT authorizer (audience: the console client) on every auth-user route, and none on public ones', () => {
    t.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [Match.anyValue()], Issuer: Match.anyValue() },
    });
    for (const route of routes) {
      const props = routeResource(`${route.method} ${route.path}`);
      if (route.auth === 'user') {
        expect(props.AuthorizationType, route.path).toBe('JWT');
        expect(props.AuthorizerId, route.path).toBeDefined();
      } else {
        expect(props.AuthorizationType, route.path).toBe('NONE');
      }
    }
    for (const r of githubOidcRoutes) expect(routeResource(`${r.method} ${r.path}`).AuthorizationType).toBe('NONE');
    // The authorizer's audience is the client id the handlers verify against too.
    const jwt = resourcesOf(cfn, 'AWS::ApiGatewayV2::Authorizer')[0]![1].Properties!.JwtConfiguration as { Audience: unknown[]; Issuer: unknown };
    const [, me] = functionFor(/API: me routes$/);
    expect(jwt.Audience).toEqual([me.Properties.Environment!.Variables.JWT_AUDIENCE]);
    expect(resourcesOf(cfn, 'AWS::ApiGatewayV2::Route')).toHaveLength(routes.length + githubOidcRoutes.length);
  });

  it('leaves exactly the public routes of the table without authorizer (preview, OpenAPI, invite page)', () => {
    const open = routes.filter((r) => r.auth === 'none').map((r) => `${r.method} ${r.path}`);
    expect(open).toContain('GET /v1/openapi.json');
    for (const key of open) expect(key).toMatch(/^GET \/(v1\/openapi\.json|v1\/invitations\/\{token\}|invite\/\{token\})$/);
  });

  it('throttles the stage by default and invitations and sign-in more strictly per route', () => {
    const stage = resourcesOf(cfn, 'AWS::ApiGatewayV2::Stage')[0]![1].Properties! as Record<string, any>;
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: THROTTLE.default.rateLimit, ThrottlingBurstLimit: THROTTLE.default.burstLimit });
    expect(stage.RouteSettings['GET /oidc/github/authorize']).toMatchObject({ ThrottlingRateLimit: 10 });
    const invite = routes.find((r) => r.group === 'invitations' && r.method === 'POST');
    if (invite) expect(stage.RouteSettings[`POST ${invite.path}`].ThrottlingRateLimit).toBeLessThan(THROTTLE.default.rateLimit);
    for (const key of Object.keys(stage.RouteSettings)) routeResource(key); // every override names a real route
  });

  it('writes JSON access logs with the route template, never the raw path (tokens live in paths)', () => {
    const stage = resourcesOf(cfn, 'AWS::ApiGatewayV2::Stage')[0]![1].Properties! as Record<string, any>;
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
    expect(stage.AccessLogSettings.Format).not.toMatch(/\$context\.path|\$context\.resourcePath/);
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiAccessLogs/), 'Arn'] });
  });

  it('allows CORS for the console origin only', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowOrigins: [derived.consoleOrigin], AllowHeaders: ['authorization', 'content-type'] }),
    });
  });

  it('runs the cleanup every 15 minutes with retries and an encrypted, SSL-only dead-letter queue', () => {
    const [dlqId] = resourcesOf(cfn, 'AWS::SQS::Queue')[0]!;
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const [cleanupId, cleanup] = functionFor(/expired invitations/);
    expect((cleanup.Properties as Record<string, unknown>).DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: cleanupId }, MaximumRetryAttempts: 2 });
  });

  it('alarms on errors and throttles of every function, the dead-letter queue and API 5xx', () => {
    const alarms = resourcesOf(cfn, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties! as Record<string, any>);
    for (const [id] of ourFunctions(cfn)) {
      for (const metric of ['Errors', 'Throttles']) {
        const found = alarms.filter((a) => a.MetricName === metric && a.Dimensions?.[0]?.Value?.Ref === id);
        expect(found, `${metric} ${id}`).toHaveLength(1);
      }
    }
    expect(alarms.some((a) => a.Namespace === 'AWS/SQS' && a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(true);
    expect(alarms.some((a) => a.Namespace === 'AWS/ApiGateway' && a.MetricName === '5xx')).toBe(true);
    for (const a of alarms) expect(a.AlarmActions).toHaveLength(1);
  });

  it('hosts the console in a private, encrypted, SSL-only bucket behind CloudFront with OAC, HTTPS and a CSP', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const dist = resourcesOf(cfn, 'AWS::CloudFront::Distribution')[0]![1].Properties!.DistributionConfig as Record<string, any>;
    expect(dist.Aliases).toEqual([exampleConfig.domainName]);
    expect(dist.ViewerCertificate).toMatchObject({ AcmCertificateArn: exampleConfig.certificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(dist.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(dist.CacheBehaviors.map((b: { PathPattern: string }) => b.PathPattern).sort()).toEqual([...API_PATHS].sort());
    for (const b of dist.CacheBehaviors) expect(b.ViewerProtocolPolicy).toBe('https-only');
    const csp = resourcesOf(cfn, 'AWS::CloudFront::ResponseHeadersPolicy')
      .map(([, p]) => JSON.stringify(p.Properties))
      .find((p) => p.includes('ContentSecurityPolicy'));
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline/);
  });

  it("deploys the console's config.json for Cognito mode", () => {
    const deployment = resourcesOf(cfn, 'Custom::CDKBucketDeployment')[0]![1].Properties! as Record<string, any>;
    const markers = JSON.stringify(deployment);
    expect(deployment.Prune).toBe(false);
    expect(markers).toMatch(/config\.json|SourceMarkers/);
  });
});

describe('least privilege across both stacks', () => {
  type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown };
  const statements = (templates: CfnTemplate[] = Object.values(s.json)) =>
    templates.flatMap((template) =>
      resourcesOf(template, 'AWS::IAM::Policy').flatMap(([id, p]) =>
        (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement.map((st) => ({ id, st })),
      ),
    );
  /**
   * The one exception: CDK's BucketDeployment handler (a CDK-managed function that runs only during
   * deploys) is granted `s3:GetObject*`-style actions on the asset and console buckets by aws-cdk-lib.
   * AWS itself requires no wildcard in any of our policies; KMS key policies use Resource `*`,
   * which there means "this key" (they are key policies, not IAM policies, so not listed here).
   */
  const cdkManaged = (id: string) => id.startsWith('CustomCDKBucketDeployment');

  it('has no IAM policy with a wildcard action or a `*` resource (except the documented CDK handler)', () => {
    const offending = statements()
      .filter(({ id }) => !cdkManaged(id))
      .filter(({ st }) => [st.Action].flat().some((a) => a.includes('*')) || [st.Resource].flat().some((r) => r === '*'));
    expect(offending).toEqual([]);
    expect(statements().filter(({ id }) => cdkManaged(id)).length).toBeGreaterThan(0);
  });

  it('attaches no AWS managed policy to our roles', () => {
    for (const template of Object.values(s.json)) {
      for (const [id, role] of resourcesOf(template, 'AWS::IAM::Role')) {
        if (id.startsWith('CustomCDKBucketDeployment')) continue;
        expect(role.Properties!.ManagedPolicyArns, id).toBeUndefined();
      }
    }
  });

  const policyOf = (fnId: string) => {
    const [, fn] = ourFunctions(cfn).find(([id]) => id === fnId)!;
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    return statements([cfn])
      .filter(({ id }) => {
        const p = cfn.Resources[id]!.Properties! as { Roles: { Ref: string }[] };
        return p.Roles.some((r) => r.Ref === roleId);
      })
      .map(({ st }) => st);
  };
  const actionsOf = (sts: Statement[]) => new Set(sts.flatMap((st) => [st.Action].flat()));

  it('grants table actions on the table and only the named indexes, never index/*', () => {
    for (const st of statements().map(({ st }) => st)) {
      for (const r of [st.Resource].flat()) expect(JSON.stringify(r)).not.toMatch(/index\/\*/);
    }
    const [authorizeId] = functionFor(/API: authorize routes$/) ?? [];
    if (groups.includes('authorize')) {
      const actions = actionsOf(policyOf(authorizeId!));
      expect(actions.has('dynamodb:PutItem')).toBe(false);
      expect(actions.has('dynamodb:Query')).toBe(true);
    }
  });

  it('lets only the invitations function send mail, from the identity and configuration set', () => {
    for (const [id, fn] of ourFunctions(cfn)) {
      const sends = policyOf(id).filter((st) => [st.Action].flat().some((a) => a.startsWith('ses:')));
      if (/API: invitations routes$/.test(fn.Properties.Description ?? '')) {
        expect(sends).toHaveLength(1);
        expect([sends[0]!.Action].flat().sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
        expect([sends[0]!.Resource].flat()).toHaveLength(2);
      } else expect(sends, id).toEqual([]);
    }
  });

  it('lets only the wrapper endpoints that need them read the GitHub secret and the signing key', () => {
    const readers = ourFunctions(cfn)
      .filter(([id]) => policyOf(id).some((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue')))
      .map(([, fn]) => fn.Properties.Description!.replace(/^.*: /, ''))
      .sort();
    expect(readers).toEqual(['GET /oidc/github/.well-known/jwks.json', 'GET /oidc/github/callback', 'GET /oidc/github/userinfo', 'POST /oidc/github/token'].sort());
  });
});
