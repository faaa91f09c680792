export const parseDuration = () => {
  throw new Error('Remove this line and implement parseDuration');
};

export const formatDuration = () => {
  throw new Error('Remove this line and implement formatDuration');
};
