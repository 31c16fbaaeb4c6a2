import { BadRequestException, Body, ConflictException, Controller, Delete, Get, HttpException, HttpStatus, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Public, RequireRole } from '../security/roles';
import { ISSUED_CREDENTIAL } from '../security/credentials/credentials.openapi';
import { IssuedCredentialJson } from '../security/credentials/issued-credential';
import { array } from '../openapi/schema';
import { CreateClaimDto, RedeemClaimDto } from './claims.dto';
import { CLAIM_SUMMARY, CREATED_CLAIM } from './claims.openapi';
import { ClaimError, ClaimSummary } from './claims.registry';
import { ClaimsService, CreatedClaim } from './claims.service';

/** Claim codes for admins: create (the code and its QR are in the answer only), list, revoke. */
@ApiTags('claims')
@Controller('claims')
export class ClaimsController {
  constructor(private readonly claims: ClaimsService) {}

  @Post()
  @RequireRole('admin')
  @ApiCreatedResponse({ schema: CREATED_CLAIM })
  create(@Body() body: CreateClaimDto, @Req() request: IncomingMessage & { protocol?: string }): CreatedClaim {
    return guard(() => this.claims.create(body, `${request.protocol ?? 'http'}://${request.headers.host ?? 'localhost'}`));
  }

  @Get()
  @RequireRole('admin')
  @ApiOkResponse({ schema: array(CLAIM_SUMMARY) })
  list(): ClaimSummary[] {
    return this.claims.registry.list();
  }

  @Delete(':claimId')
  @RequireRole('admin')
  @ApiOkResponse({ schema: CLAIM_SUMMARY })
  revoke(@Param('claimId') claimId: string): ClaimSummary {
    return guard(() => this.claims.registry.revoke(claimId));
  }
}

/**
 * POST /api/claim: a meter (or its setup portal) trades a claim code for its credential, once. No
 * token (the meter has none yet); a client that sends wrong codes too often gets 429.
 */
@ApiTags('claims')
@Controller('claim')
export class ClaimRedemptionController {
  constructor(private readonly claims: ClaimsService) {}

  @Post()
  @Public()
  @ApiCreatedResponse({ schema: ISSUED_CREDENTIAL, description: 'The credential, in this answer only.' })
  @ApiForbiddenResponse({ description: 'Unknown, expired, used or revoked code.' })
  @ApiTooManyRequestsResponse({ description: 'Too many wrong codes from this client: Retry-After says when to try again.' })
  async redeem(@Body() body: RedeemClaimDto, @Req() request: IncomingMessage, @Res({ passthrough: true }) response: ServerResponse): Promise<IssuedCredentialJson> {
    const address = request.socket.remoteAddress;
    const blockedMs = this.claims.blockedForMs(address);
    if (blockedMs > 0) {
      response.setHeader('Retry-After', String(Math.ceil(blockedMs / 1000)));
      throw new HttpException({ statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message: 'too many wrong claim codes: try again later' }, HttpStatus.TOO_MANY_REQUESTS);
    }
    try {
      return await this.claims.redeem(body.code, { deviceId: body.device_id, hardware: body.hardware, address });
    } catch (error) {
      throw httpError(error);
    }
  }
}

function guard<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw httpError(error);
  }
}

function httpError(error: unknown): unknown {
  if (!(error instanceof ClaimError)) return error;
  switch (error.reason) {
    case 'invalid':
      return new BadRequestException(error.message);
    case 'refused':
      return new HttpException({ statusCode: HttpStatus.FORBIDDEN, error: 'Forbidden', message: error.message }, HttpStatus.FORBIDDEN);
    case 'unknown':
      return new NotFoundException(error.message);
    case 'conflict':
      return new ConflictException(error.message);
  }
}
