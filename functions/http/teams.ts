// /v1/orgs/{orgId}/teams…: teams, their members and the roles they hold.
import * as teams from '../operations/teams';
import * as r from '../routes/access';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(r.createTeam, async ({ access, body }) => teams.createTeam(access, body)),
  bind(r.listTeams, async ({ access }) => ({ teams: await teams.listTeams(access) })),
  bind(r.getTeam, async ({ access, params }) => teams.getTeam(access, params.teamId)),
  bind(r.deleteTeam, async ({ access, params }) => teams.deleteTeam(access, params.teamId)),
  bind(r.addTeamMember, async ({ access, params }) => teams.addMember(access, params.teamId, params.userId)),
  bind(r.removeTeamMember, async ({ access, params }) => teams.removeMember(access, params.teamId, params.userId)),
  bind(r.putTeamGrant, async ({ access, params, body }) => teams.putGrant(access, params.teamId, body)),
  bind(r.deleteTeamGrant, async ({ access, params, query }) => teams.deleteGrant(access, params.teamId, query)),
]);
