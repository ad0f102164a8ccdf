// The stateless stack (built with the stateful one it depends on): functions from the route table,
// the API and its authorizer, throttling, access log, CORS, cleanup schedule, alarms, the console,
// and least privilege across both stacks.
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../functions/github-oidc/config';
import { GITHUB_LIMITS } from '../../functions/github-oidc/github';
import { GITHUB_OIDC_ENTRY, githubOidcRoutes } from '../../functions/github-oidc/routes';
import { GROUP_ENTRY } from '../../functions/http/route';
import { routes } from '../../functions/routes';
import { TABLE } from '../../functions/store/table';
import { API_PATHS } from '../../lib/constructs/console-hosting';
import { ServiceFunction } from '../../lib/constructs/service-function';
import { THROTTLE } from '../../lib/stateless-stack';
import { reachable } from './reachable';
import { alarmDeliveryProblems, derived, exampleConfig, findCycle, resourcesOf, synthesize, throughImports, type CfnTemplate, type Synthesized } from './support';

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

  it("deploys the console's config.json for Cognito mode, with the console client's id", () => {
    const deployments = resourcesOf(cfn, 'Custom::CDKBucketDeployment').map(([, d]) => d.Properties! as Record<string, any>);
    const configs = deployments.flatMap((d) =>
      (d.SourceObjectKeys as string[]).flatMap((key, i) => {
        const file = join(s.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'config.json');
        try {
          return [{ text: readFileSync(file, 'utf8'), markers: (d.SourceMarkers?.[i] ?? {}) as Record<string, unknown>, prune: d.Prune }];
        } catch {
          return [];
        }
      }),
    );
    expect(configs).toHaveLength(1);
    const [{ text, markers, prune }] = configs as [(typeof configs)[number]];
    expect(prune).toBe(false);
    const config = JSON.parse(text) as Record<string, string>;
    expect(config).toMatchObject({ mode: 'cognito', apiUrl: derived.publicUrl, signInUrl: derived.signInUrl });
    // The client id is a deploy-time value: a marker the deployment replaces with the pool client's id.
    const clientRef = throughImports(markers[config.clientId!], Object.values(s.json));
    const clientId = (clientRef as { Ref: string }).Ref;
    expect(s.json.OrgAccessStateful!.Resources[clientId]?.Type).toBe('AWS::Cognito::UserPoolClient');
    // The same client the authorizer and the handlers verify tokens for.
    const [, me] = functionFor(/API: me routes$/);
    expect(throughImports(me.Properties.Environment!.Variables.JWT_AUDIENCE, Object.values(s.json))).toEqual({ Ref: clientId });
  });

  it('sends every alarm to the stateful alarm topic, which lets CloudWatch publish', () => {
    const alarms = resourcesOf(cfn, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms) {
      for (const action of alarm.Properties!.AlarmActions as unknown[]) {
        expect(alarmDeliveryProblems(s.json.OrgAccessStateful!, throughImports(action, Object.values(s.json))), id).toEqual([]);
      }
    }
  });

  it("gives the wrapper the issuer Cognito's GitHub provider expects in its tokens (https, one value)", () => {
    const [, token] = functionFor(/GitHub OIDC wrapper: POST \/oidc\/github\/token$/);
    const variables = token.Properties.Environment!.Variables as Record<string, string>;
    const [, provider] = resourcesOf(s.json.OrgAccessStateful!, 'AWS::Cognito::UserPoolIdentityProvider').find(([, p]) => p.Properties!.ProviderName === 'GitHub')!;
    const issuer = (provider.Properties!.ProviderDetails as Record<string, string>).oidc_issuer!;
    expect(issuer).toMatch(/^https:\/\//);
    expect(variables.OIDC_ISSUER).toBe(issuer);
    // What the wrapper puts into `iss`: its configuration read from exactly these variables.
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { ...variables, ALLOWED_REDIRECT_URIS: 'https://example.auth.us-east-1.amazoncognito.com/oauth2/idpresponse' });
      expect(readConfig().issuer).toBe(issuer);
    } finally {
      process.env = saved;
    }
  });

  it('gives the GitHub callback a timeout past the GitHub calls\' shared deadline, within API Gateway\'s 30 s', () => {
    const [, callback] = functionFor(/GitHub OIDC wrapper: GET \/oidc\/github\/callback$/);
    const timeout = (callback.Properties as Record<string, unknown>).Timeout as number;
    expect(GITHUB_LIMITS.perCallMs).toBeLessThanOrEqual(GITHUB_LIMITS.totalMs);
    expect(timeout * 1000).toBeGreaterThanOrEqual(GITHUB_LIMITS.totalMs + 5000);
    expect(timeout).toBeLessThan(30);
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

  /** `arn:…:secret:<name>-??????`: the pattern that matches a secret referenced by name (its ARN has a random suffix). */
  const secretPattern = (name: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${name}-??????`]],
  });

  it('lets only the wrapper endpoints that need them read the GitHub secret, and only the token endpoint the signing key', () => {
    const readersOf = (name: string) =>
      ourFunctions(cfn)
        .filter(([id]) =>
          policyOf(id).some((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue') && JSON.stringify(st.Resource) === JSON.stringify(secretPattern(name))),
        )
        .map(([, fn]) => fn.Properties.Description!.replace(/^.*: /, ''))
        .sort();
    expect(readersOf(exampleConfig.githubClientSecretName)).toEqual(['GET /oidc/github/callback', 'POST /oidc/github/token']);
    expect(readersOf(exampleConfig.oidcSigningKeySecretName)).toEqual(['POST /oidc/github/token']);
    // No other secret access anywhere: every GetSecretValue names one of those two patterns.
    for (const [id] of ourFunctions(cfn)) {
      for (const st of policyOf(id).filter((st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')))) {
        expect([secretPattern(exampleConfig.githubClientSecretName), secretPattern(exampleConfig.oidcSigningKeySecretName)], id).toContainEqual(st.Resource);
        expect([st.Action].flat().sort(), id).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      }
    }
  });
});

describe('table access of every function', () => {
  type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, string[]>> };
  const templates = () => Object.values(s.json);
  /** Every ServiceFunction of both stacks, with its construct id and its template. */
  const serviceFunctions = () =>
    s.built.stateful.node.root.node
      .findAll()
      .filter((c): c is ServiceFunction => c instanceof ServiceFunction)
      .map((fn) => {
        const stack = Stack.of(fn);
        return { fn, id: fn.node.id, template: s.json[stack.stackName]!, roleId: stack.getLogicalId(fn.serviceRole.node.defaultChild as CfnElement) };
      });
  const statementsOf = (template: CfnTemplate, roleId: string) =>
    resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
  /** Table actions and queried indexes of one function, as its policies grant them. */
  function tableGrants(template: CfnTemplate, roleId: string) {
    const actions = new Set<string>();
    const indexes = new Set<string>();
    const partitions: { actions: string[]; leadingKeys?: string[] }[] = [];
    for (const st of statementsOf(template, roleId)) {
      const stActions = [st.Action].flat();
      if (st.Effect !== 'Allow' || !stActions.some((a) => a.startsWith('dynamodb:'))) continue;
      const resources = [st.Resource].flat().map((r) => JSON.stringify(throughImports(r, templates())));
      for (const r of resources) {
        const index = /\/index\/([A-Za-z]+)/.exec(r)?.[1];
        if (index) indexes.add(index);
        else stActions.forEach((a) => actions.add(a));
      }
      if (!resources.some((r) => r.includes('/index/'))) {
        const leadingKeys = st.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
        partitions.push({ actions: [...stActions].sort(), ...(leadingKeys ? { leadingKeys } : {}) });
      }
    }
    return { actions: [...actions].sort(), indexes: [...indexes].sort(), partitions };
  }
  const short = (actions: string[]) => actions.map((a) => a.replace('dynamodb:', '')).sort();

  /** Reviewed by hand: what each function may do to the table (the scan below checks it against the code). */
  const PINNED: Record<string, { actions: string[]; indexes?: string[] }> = {
    MeFunction: { actions: ['BatchGetItem', 'BatchWriteItem', 'ConditionCheckItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'], indexes: ['byPrincipal', 'byScope'] },
    OrgsFunction: { actions: ['BatchWriteItem', 'ConditionCheckItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'], indexes: ['byScope'] },
    MembersFunction: { actions: ['BatchGetItem', 'BatchWriteItem', 'ConditionCheckItem', 'DeleteItem', 'GetItem', 'Query', 'UpdateItem'], indexes: ['byScope'] },
    InvitationsFunction: { actions: ['BatchGetItem', 'ConditionCheckItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'] },
    AppsFunction: { actions: ['ConditionCheckItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'], indexes: ['byScope'] },
    TeamsFunction: { actions: ['BatchWriteItem', 'ConditionCheckItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'] },
    RolesFunction: { actions: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'] },
    AuthorizeFunction: { actions: ['GetItem', 'Query'] },
    MetaFunction: { actions: [] },
    InviteLinkFunction: { actions: ['GetItem', 'Query'] },
    Cleanup: {
      actions: ['BatchGetItem', 'BatchWriteItem', 'ConditionCheckItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
      indexes: ['byExpiry', 'byPrincipal', 'byScope'],
    },
    PreSignUp: { actions: ['GetItem'] },
    PostConfirmation: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    GitHubOidcAuthorize: { actions: ['PutItem'] },
    GitHubOidcCallback: { actions: ['DeleteItem', 'PutItem'] },
    GitHubOidcToken: { actions: ['DeleteItem', 'PutItem'] },
    GitHubOidcUserinfo: { actions: ['Query'] },
    GitHubOidcJwks: { actions: ['Query'] },
    GitHubOidcOpenidConfiguration: { actions: [] },
  };

  it('grants each function exactly its pinned table actions and indexes, and TABLE_NAME only with them', () => {
    const all = serviceFunctions();
    expect(all.map((f) => f.id).sort()).toEqual(Object.keys(PINNED).sort());
    for (const { fn, id, template, roleId } of all) {
      const granted = tableGrants(template, roleId);
      expect(short(granted.actions), id).toEqual(PINNED[id]!.actions);
      expect(granted.indexes, id).toEqual(PINNED[id]!.indexes ?? []);
      const fnId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
      const variables = (template.Resources[fnId]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      expect('TABLE_NAME' in variables, id).toBe(granted.actions.length > 0);
    }
  });

  it("limits the GitHub wrapper to its own items, by partition key (dynamodb:LeadingKeys)", () => {
    const byId = new Map(serviceFunctions().map((f) => [f.id, f]));
    const partitionsOf = (id: string) => {
      const f = byId.get(id)!;
      return tableGrants(f.template, f.roleId).partitions.map((p) => ({ ...p, actions: short(p.actions) }));
    };
    expect(partitionsOf('GitHubOidcAuthorize')).toEqual([{ actions: ['PutItem'], leadingKeys: ['OIDCSTATE#*'] }]);
    expect(partitionsOf('GitHubOidcCallback')).toEqual([
      { actions: ['DeleteItem'], leadingKeys: ['OIDCSTATE#*'] },
      { actions: ['PutItem'], leadingKeys: ['OIDCCODE#*'] },
    ]);
    expect(partitionsOf('GitHubOidcToken')).toEqual([
      { actions: ['DeleteItem'], leadingKeys: ['OIDCCODE#*'] },
      { actions: ['PutItem'], leadingKeys: ['OIDCJWKS'] },
    ]);
    expect(partitionsOf('GitHubOidcUserinfo')).toEqual([{ actions: ['Query'], leadingKeys: ['OIDCJWKS'] }]);
    expect(partitionsOf('GitHubOidcJwks')).toEqual([{ actions: ['Query'], leadingKeys: ['OIDCJWKS'] }]);
    expect(partitionsOf('GitHubOidcOpenidConfiguration')).toEqual([]);
    // and pre-sign-up reads only e-mail claims
    expect(partitionsOf('PreSignUp')).toEqual([{ actions: ['GetItem'], leadingKeys: ['EMAIL#*'] }]);
  });

  it("denies every function but the GitHub wrapper's writes to the wrapper's items (what GitHub sign-in trusts)", () => {
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    let checked = 0;
    for (const { fn, id, template, roleId } of serviceFunctions()) {
      const granted = tableGrants(template, roleId).actions.filter((a) => writes.includes(a));
      const denies = statementsOf(template, roleId).filter((st) => st.Effect === 'Deny');
      if (fn.entryFile === GITHUB_OIDC_ENTRY || granted.length === 0) {
        expect(denies, id).toEqual([]);
        continue;
      }
      checked++;
      expect(denies, id).toHaveLength(1);
      expect([denies[0]!.Action].flat().sort(), id).toEqual([...granted].sort());
      expect(denies[0]!.Condition, id).toEqual({ 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['OIDC*'] } });
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('lets only the me function delete sign-in users, only in this pool, and tells it which pool', () => {
    for (const { fn, id, template, roleId } of serviceFunctions()) {
      const deletes = statementsOf(template, roleId).filter((st) => [st.Action].flat().includes('cognito-idp:AdminDeleteUser'));
      const fnId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
      const variables = (template.Resources[fnId]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      if (id !== 'MeFunction') {
        expect(deletes, id).toEqual([]);
        expect('USER_POOL_ID' in variables, id).toBe(false);
        continue;
      }
      expect(deletes).toHaveLength(1);
      expect(JSON.stringify(deletes[0]!.Resource)).toMatch(/UserPool/);
      expect(JSON.stringify(deletes[0]!.Resource)).not.toContain('"*"');
      expect(JSON.stringify(variables.USER_POOL_ID)).toMatch(/UserPool/);
    }
  });

  /**
   * Where the grant knowingly differs from what the bundle can reach. meta: its one route is public
   * and declares no permission, so the shared stack's access check (bundled with every API group)
   * never runs. No function is granted more than its code reaches.
   */
  const NOT_REACHED_BUT_GRANTED: Record<string, { actions: string[]; indexes: string[] }> = {};
  const REACHED_BUT_NOT_GRANTED: Record<string, string[]> = { MetaFunction: ['GetItem', 'Query'] };

  it('grants every function what its code can reach, and nothing else (bundles scanned)', async () => {
    const indexNames = Object.keys(TABLE.indexes);
    const wrapperUnion = new Set<string>();
    for (const { fn, id, template, roleId } of serviceFunctions()) {
      const code = await reachable(fn.entryFile, indexNames);
      expect([...code.unknownCommands], `${id}: commands the scanner cannot map`).toEqual([]);
      const granted = tableGrants(template, roleId);
      if (fn.entryFile === GITHUB_OIDC_ENTRY) {
        // One bundle serves every endpoint: compare the union below.
        granted.actions.forEach((a) => wrapperUnion.add(a));
        continue;
      }
      const reached = short([...code.actions].filter((a) => a.startsWith('dynamodb:')));
      const extra = NOT_REACHED_BUT_GRANTED[id] ?? { actions: [], indexes: [] };
      const missing = REACHED_BUT_NOT_GRANTED[id] ?? [];
      expect(short(granted.actions), `${id}: granted vs reached`).toEqual([...new Set([...reached.filter((a) => !missing.includes(a)), ...extra.actions])].sort());
      expect(granted.indexes, `${id}: indexes`).toEqual([...new Set([...code.indexes, ...extra.indexes])].sort());
      // Mail and Cognito: only where the code sends.
      const other = statementsOf(template, roleId).flatMap((st) => [st.Action].flat()).filter((a) => /^(ses|cognito-idp):/.test(a));
      expect(other.filter((a) => a !== 'ses:SendRawEmail').sort(), `${id}: mail and Cognito`).toEqual([...code.actions].filter((a) => /^(ses|cognito-idp):/.test(a)).sort());
    }
    const wrapperCode = await reachable(GITHUB_OIDC_ENTRY, indexNames);
    expect(short([...wrapperUnion]), 'GitHub wrapper endpoints together').toEqual(short([...wrapperCode.actions].filter((a) => a.startsWith('dynamodb:'))));
    expect(wrapperCode.indexes.size).toBe(0);
  }, 60_000);
});
