// The console and the API on one origin: CloudFront serves the console from a private S3 bucket
// (origin access control) and forwards /v1/*, /invite/* and /oidc/* to the HTTP API, the way
// `npm start` serves both locally. One origin means the browser needs no CORS and invitation links,
// sign-in callbacks and the GitHub wrapper's issuer all live on the operator's domain.

import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** Path patterns CloudFront sends to the API instead of the bucket. */
export const API_PATHS = ['/v1/*', '/invite/*', '/oidc/*'] as const;

export interface ConsoleHostingProps {
  domainName: string;
  certificateArn: string;
  /** `https://<id>.execute-api.<region>.amazonaws.com` of the HTTP API. */
  apiEndpoint: string;
  /** Host of Cognito's hosted UI: the console exchanges the code for tokens there (CSP connect-src). */
  cognitoDomain: string;
  /** The console's /config.json. */
  consoleConfig: Record<string, unknown>;
  /** web/dist, when built. Without it only config.json is deployed (template tests). */
  assetsPath?: string;
}

export class ConsoleHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const csp = [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' https://${props.cognitoDomain}`,
      `form-action 'self' https://${props.cognitoDomain}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join('; ');
    const securityHeaders = (override: boolean, contentSecurityPolicy?: string): cloudfront.ResponseSecurityHeadersBehavior => ({
      ...(contentSecurityPolicy ? { contentSecurityPolicy: { contentSecurityPolicy, override } } : {}),
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override },
      contentTypeOptions: { override },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override },
    });
    const consoleHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      comment: 'org-access console: CSP without inline script or style, HSTS, no framing',
      securityHeadersBehavior: securityHeaders(true, csp),
    });
    // The API sets its own headers (functions/http/api.ts); these only fill in what is missing.
    const apiHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ApiHeaders', {
      comment: 'org-access API through CloudFront: security headers unless the handler set them',
      securityHeadersBehavior: securityHeaders(false),
    });

    // Client-side routes (/orgs/…, /invite/… handled by the API, /auth/callback) get index.html:
    // a viewer-request function instead of custom error pages, which would also rewrite API 404s.
    const spaRoutes = new cloudfront.Function(this, 'SpaRoutes', {
      comment: 'org-access: paths without a file extension serve index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (!/\\.[a-zA-Z0-9]+$/.test(r.uri)) { r.uri = '/index.html'; } return r; }",
      ),
    });

    const apiOrigin = new origins.HttpOrigin(Fn.select(2, Fn.split('/', props.apiEndpoint)), {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      // Nothing cached; every viewer header (Authorization included) but Host reaches API Gateway.
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: apiHeaders,
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'org-access console and API',
      domainNames: [props.domainName],
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: consoleHeaders,
        functionAssociations: [{ function: spaRoutes, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(API_PATHS.map((path) => [path, apiBehavior])),
    });

    // Hashed assets are cached for a year; index.html and config.json are revalidated every time.
    const noCache = [s3deploy.CacheControl.noCache()];
    if (props.assetsPath) {
      new s3deploy.BucketDeployment(this, 'Assets', {
        sources: [s3deploy.Source.asset(props.assetsPath, { exclude: ['index.html', 'config.json'] })],
        destinationBucket: this.bucket,
        cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
        prune: false,
        memoryLimit: 512,
      });
    }
    new s3deploy.BucketDeployment(this, 'Entry', {
      sources: [
        ...(props.assetsPath ? [s3deploy.Source.asset(props.assetsPath, { exclude: ['*', '!index.html'] })] : []),
        s3deploy.Source.jsonData('config.json', props.consoleConfig),
      ],
      destinationBucket: this.bucket,
      // no-cache: CloudFront revalidates them within its 1 s minimum TTL, so no invalidation (and no
      // cloudfront:CreateInvalidation on `*` for the deployment handler) is needed.
      cacheControl: noCache,
      prune: false,
      memoryLimit: 512,
    });

    this.acknowledgeFindings();
  }

  private acknowledgeFindings() {
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The bucket holds the public console build and is read only by CloudFront (OAC); CloudFront requests are the access record.',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR3',
        reason: 'API requests are logged by the HTTP API access log; console requests are static files. Standard logging would need an ACL-enabled bucket.',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason: 'An internal platform service for organizations anywhere; access is decided by sign-in, not by geography.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'No WAF web ACL: the API is throttled per stage and per route and every /v1 route needs a verified token; a WAF can be attached by the platform team.',
      },
    );
    // BucketDeployment's handler is a CDK-provided singleton function at stack level; its grants are
    // CDK's (the deployment copies the asset zip into the console bucket). Each finding by name.
    const stack = Stack.of(this);
    const bucketArn = stack.resolve(this.bucket.bucketArn) as { 'Fn::GetAtt': [string, string] };
    const cdkManaged = 'CDK BucketDeployment handler (CDK-managed, runs only during deploys)';
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      Validations.of(child).acknowledge(
        { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: `${cdkManaged}: writes its own logs.` },
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `${cdkManaged}: object-level S3 actions granted by CDK, only on the CDK asset bucket and the console bucket.`,
        })),
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
          reason: `${cdkManaged}: reads the console's asset zip from the CDK bootstrap bucket.`,
        },
        { id: `AwsSolutions-IAM5[Resource::<${bucketArn['Fn::GetAtt'][0]}.Arn>/*]`, reason: `${cdkManaged}: writes the console's files into the console bucket.` },
        { id: 'AwsSolutions-L1', reason: `${cdkManaged}: its runtime is chosen by aws-cdk-lib.` },
      );
    }
  }
}
