FROM node:20-alpine
WORKDIR /usr/src/app
ONBUILD COPY package*.json ./
ONBUILD RUN npm ci --omit=dev
ONBUILD COPY . .
ONBUILD USER node
CMD ["node", "server.js"]
