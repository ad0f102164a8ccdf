// Routes: apps, environment types, environments, teams, default and custom roles, authorize (issue 4).

export const accessRoutes = [];
